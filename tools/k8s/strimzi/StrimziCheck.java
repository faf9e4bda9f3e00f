// Reads Strimzi custom resources (a JSON array on stdin) with Strimzi's own model classes and Jackson, as the
// Strimzi operator does, and prints one line per problem: a field of the wrong type, or a field the model does
// not know (Strimzi keeps those in "additionalProperties" and only warns; here they are errors). Exit 1 if any.
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strimzi.api.kafka.model.common.UnknownPropertyPreserving;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

public class StrimziCheck {
    static final Map<String, Class<?>> KINDS = Map.of(
        "Kafka", io.strimzi.api.kafka.model.kafka.Kafka.class,
        "KafkaNodePool", io.strimzi.api.kafka.model.nodepool.KafkaNodePool.class,
        "KafkaTopic", io.strimzi.api.kafka.model.topic.KafkaTopic.class);

    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (JsonNode doc : mapper.readTree(System.in)) {
            String kind = doc.path("kind").asText();
            String where = kind + "/" + doc.path("metadata").path("name").asText();
            Class<?> type = KINDS.get(kind);
            if (type == null) {
                problems.add(where + ": not a Strimzi kind this check knows");
                continue;
            }
            try {
                Object resource = mapper.treeToValue(doc, type);
                walk(resource, where, problems, new IdentityHashMap<>());
                checked++;
            } catch (Exception e) {
                problems.add(where + ": " + e.getMessage().split("\n")[0]);
            }
        }
        problems.forEach(System.out::println);
        System.out.println("checked " + checked + " resource(s), " + problems.size() + " problem(s)");
        System.exit(problems.isEmpty() ? 0 : 1);
    }

    static void walk(Object value, String path, List<String> problems, Map<Object, Boolean> seen) throws Exception {
        if (value == null || seen.containsKey(value)) return;
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) walk(item, path + "[" + i++ + "]", problems, seen);
            return;
        }
        if (!value.getClass().getName().startsWith("io.strimzi.")) return;
        seen.put(value, true);
        if (value instanceof UnknownPropertyPreserving preserving) {
            Map<String, Object> unknown = preserving.getAdditionalProperties();
            if (unknown != null && !unknown.isEmpty()) {
                problems.add(path + ": unknown field(s) " + unknown.keySet());
            }
        }
        for (Method getter : value.getClass().getMethods()) {
            boolean isGetter = getter.getParameterCount() == 0 && getter.getName().startsWith("get")
                && !getter.getName().equals("getAdditionalProperties") && !getter.getName().equals("getClass");
            if (isGetter) {
                walk(getter.invoke(value), path + "." + getter.getName().substring(3), problems, seen);
            }
        }
    }
}
