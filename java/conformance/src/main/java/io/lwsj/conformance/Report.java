package io.lwsj.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The report of one run: AGENT.json (machine-readable) and AGENT.md (a table per category). */
final class Report {
    private Report() {}

    static void write(Path dir, String agent, String role, List<Conformance.Result> results, boolean noDeflate)
            throws IOException {
        Files.createDirectories(dir);
        StringBuilder json = new StringBuilder("{\n  \"agent\": ").append(quote(agent)).append(",\n  \"role\": ")
                .append(quote(role)).append(",\n  \"cases\": [\n");
        for (int i = 0; i < results.size(); i++) {
            Conformance.Result r = results.get(i);
            json.append("    {\"id\": ").append(quote(r.c().id())).append(", \"category\": ").append(quote(r.c().category()))
                    .append(", \"title\": ").append(quote(r.c().title())).append(", \"verdict\": ")
                    .append(quote(verdict(r.verdict()))).append(", \"ms\": ").append(r.ms()).append(", \"reasons\": [");
            for (int k = 0; k < r.reasons().size(); k++) {
                json.append(k == 0 ? "" : ", ").append(quote(r.reasons().get(k)));
            }
            json.append("]}").append(i + 1 < results.size() ? ",\n" : "\n");
        }
        json.append("  ]\n}\n");
        Files.writeString(dir.resolve(agent + ".json"), json);

        Map<String, int[]> byCategory = new LinkedHashMap<>();
        for (Conformance.Result r : results) {
            byCategory.computeIfAbsent(r.c().category(), k -> new int[3])[r.verdict().ordinal()]++;
        }
        StringBuilder md = new StringBuilder("# Conformance: " + agent + " as a " + role + "\n\n");
        if (noDeflate) {
            md.append("Run without the permessage-deflate cases.\n\n");
        }
        md.append("| category | OK | NON-STRICT | FAILED |\n|---|---:|---:|---:|\n");
        int[] total = new int[3];
        byCategory.forEach((k, v) -> {
            md.append("| ").append(k).append(" | ").append(v[0]).append(" | ").append(v[1]).append(" | ").append(v[2]).append(" |\n");
            for (int i = 0; i < 3; i++) {
                total[i] += v[i];
            }
        });
        md.append("| **all** | ").append(total[0]).append(" | ").append(total[1]).append(" | ").append(total[2]).append(" |\n\n");
        md.append("| case | title | verdict | reasons |\n|---|---|---|---|\n");
        for (Conformance.Result r : results) {
            md.append("| ").append(r.c().id()).append(" | ").append(r.c().title().replace("|", "\\|")).append(" | ")
                    .append(verdict(r.verdict())).append(" | ")
                    .append(String.join("; ", r.reasons()).replace("|", "\\|")).append(" |\n");
        }
        Files.writeString(dir.resolve(agent + ".md"), md);
    }

    static String verdict(Run.Verdict v) {
        return v == Run.Verdict.NON_STRICT ? "NON-STRICT" : v.name();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
