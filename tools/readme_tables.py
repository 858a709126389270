"""Copy the last `make bench` figures into README.md: each README table row is
replaced by the row of the same first cell in the table of the same header
line in bench/results/summary.md (" (2 threads)" in a README row name is kept).
The prose around the tables is not touched.  Run from the project root:
python3 tools/readme_tables.py"""
readme = open("README.md").read().split("\n")
summary = open("bench/results/summary.md").read().split("\n")

def tables(lines):
    out, i = {}, 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|-"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            out.setdefault(lines[i], []).append((i, j))
            i = j
        else:
            i += 1
    return out

first = lambda row: row.split("|")[1].strip()
st = tables(summary)
changed = 0
for header, spans in tables(readme).items():
    if header not in st:
        continue
    a, b = st[header][0]
    rows = {first(r): r for r in summary[a + 2:b]}
    for i, j in spans:
        for k in range(i + 2, j):
            key = first(readme[k])
            base = key.replace(" (2 threads)", "")
            if base in rows:
                cells = rows[base].split("|")
                cells[1] = " " + key + " "
                readme[k] = "|".join(cells)
        changed += 1
open("README.md", "w").write("\n".join(readme))
print("tables updated:", changed)
