// Run by the mongodb-init Job (deploy/k8s/base/mongodb.yaml). Idempotent.
// 1. the replica set (rs0), signed in as the root user each member's entry point created on first start;
// 2. one user per service, readWrite on its own database only (motcua_<service>), password from /users/<service>.
const fs = require("fs");
const members = process.env.MEMBERS.split(",");
const rootUser = process.env.MONGO_ROOT_USERNAME;
const rootPassword = process.env.MONGO_ROOT_PASSWORD;
db.getSiblingDB("admin").auth(rootUser, rootPassword);

try {
  rs.status();
} catch (e) {
  rs.initiate({_id: "rs0", members: members.map((host, i) => ({_id: i, host: host}))});
}
let hello = db.hello();
while (!hello.primary) { sleep(1000); hello = db.hello(); }
// users are created on the primary, whichever member it is now
const primary = hello.isWritablePrimary ? db : connect(
  `mongodb://${encodeURIComponent(rootUser)}:${encodeURIComponent(rootPassword)}@${hello.primary}/admin`);
const admin = primary.getSiblingDB("admin");

for (const service of fs.readdirSync("/users").filter((name) => !name.startsWith("."))) {
  const user = `motcua_${service}`;
  const password = fs.readFileSync(`/users/${service}`, "utf8").trim();
  const roles = [{role: "readWrite", db: `motcua_${service}`}];
  if (admin.getUser(user)) {
    admin.updateUser(user, {pwd: password, roles: roles});
  } else {
    admin.createUser({user: user, pwd: password, roles: roles});
  }
  print(`user ${user}: readWrite on motcua_${service}`);
}
