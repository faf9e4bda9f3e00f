"""Account administration from the command line (the first administrator has to come from somewhere).

    python -m services.intake.accounts.cli create-officer --username admin --full-name "..." \
        --role admin --agency 000.00.12.H29          # password from MOTCUA_NEW_PASSWORD, else prompted
    python -m services.intake.accounts.cli seed-demo # development only: the demo accounts of `make run`
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from services.intake import SERVICE
from services.intake.accounts import service
from services.intake.storage import ensure_indexes
from shared.config import get_settings
from shared.domain.errors import Rejected
from shared.storage.mongo import connect

DEMO_AGENCY = "000.00.12.H29"        # Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh (seed catalogue)
DEMO_COMPETENT = "000.00.14.H29"     # Sở Tài chính: decides procedure 2.001610 received at the centre
DEMO_POST_OFFICE = "700000"           # the post office serving the centre (the postal simulator's numbering)
DEMO_PASSWORD = "motcua-demo-2026"
DEMO_OFFICERS = [
    ("admin", "Quản trị hệ thống", ["admin"], DEMO_AGENCY),
    ("motcua.h29", "Trần Thị Bình", ["counter_officer"], DEMO_AGENCY),
    ("chuyenvien.stc", "Phạm Minh Đức", ["specialist"], DEMO_COMPETENT),
    ("lanhdao.stc", "Lê Văn Cường", ["agency_head"], DEMO_COMPETENT),
    ("giamsat.h29", "Hoàng Thu Hà", ["manager"], DEMO_AGENCY),
    ("buucuc.700000", "Võ Thị Hạnh", ["postal_staff"], DEMO_POST_OFFICE),
]
DEMO_APPLICANT = ("congdan", "Nguyễn Văn An", "001203004567")


def _password() -> str:
    password = os.environ.get("MOTCUA_NEW_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise SystemExit("set MOTCUA_NEW_PASSWORD or run in a terminal to be prompted")
    return getpass.getpass("Mật khẩu (ít nhất 8 ký tự): ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.intake.accounts.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    officer = sub.add_parser("create-officer")
    officer.add_argument("--username", required=True)
    officer.add_argument("--full-name", required=True)
    officer.add_argument("--role", action="append", required=True, help="repeat for several roles")
    officer.add_argument("--agency", required=True, help="QCVN 102:2016 agency code")
    officer.add_argument("--email")
    sub.add_parser("seed-demo")
    args = parser.parse_args(argv)

    settings = get_settings()
    db = connect(settings, SERVICE)
    ensure_indexes(db)

    if args.command == "create-officer":
        password = _password()
        if len(password) < 8:
            raise SystemExit("the password needs at least 8 characters")
        try:
            account, _ = service.create_officer(db, settings, username=args.username, password=password,
                                                full_name=args.full_name, roles=args.role, agency_code=args.agency,
                                                email=args.email)
        except service.UsernameTaken:
            raise SystemExit(f"username {args.username!r} is taken") from None
        except Rejected as exc:
            raise SystemExit(f"{exc.message} {exc.errors}") from None
        print(f"created officer {account['username']} ({', '.join(account['roles'])}, {account['agency_code']})")
        return 0

    if settings.is_production:
        raise SystemExit("demo accounts are never created in production")
    created = []
    for username, full_name, roles, agency in DEMO_OFFICERS:
        try:
            service.create_officer(db, settings, username=username, password=DEMO_PASSWORD, full_name=full_name,
                                   roles=roles, agency_code=agency)
            created.append(username)
        except service.UsernameTaken:
            pass
    username, full_name, id_number = DEMO_APPLICANT
    try:
        service.register_applicant(db, settings, username=username, password=DEMO_PASSWORD, full_name=full_name,
                                   id_number=id_number)
        created.append(username)
    except service.UsernameTaken:
        pass
    print(f"    demo accounts: {', '.join(created) if created else 'already present'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
