#!/usr/bin/env python3
"""Reads gpu-check.sh's logs (Python 3 standard library only; never fails on a missing or odd log).

    compare-table.py bench LOG [--graph on|off]   one pass/fail row's figure and note from a bench log
    compare-table.py torch LOG                    the same from a torch_cae.py log (its last JSON line)
    compare-table.py ncu LOG [--steps N] [--top N] [--what TEXT]
                                                  top kernels from ncu --print-summary per-kernel --csv
    compare-table.py compare OUT [--gpu "NAME, DRIVER"] [--ncu-steps N]
                                                  ours against PyTorch, one row per precision, the
                                                  --fusion runs, each fusion's own timing; also writes
                                                  OUT/compare.md

bench and torch print "figure<TAB>note" and exit 0, or print why not and exit 1; ncu prints its table
and exits 0, or prints why not and the log's tail and exits 1; compare always exits 0 ("-" for what is
missing).
"""
import csv
import datetime
import json
import os
import re
import sys

PRECISIONS = ("fp32", "tf32")
NUMBER = r"([0-9]+(?:\.[0-9]*)?|NaN|Infinity)"


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def number(text):
    try:
        return float(str(text).replace(",", "").strip())
    except (TypeError, ValueError):
        return None


# --- our bench log --------------------------------------------------------------------------------

def parse_bench(text):
    """{graphs: 'on'|'off'|None, precision, rows: {batch: {...}}, epoch: {...}|None, memory: {...}|None}"""
    b = {"graphs": None, "precision": None, "device": None, "rows": {}, "epoch": None, "memory": None, "memories": [],
         "ceilings": None, "floors": {}}
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("#"):
            m = re.search(r"CUDA graphs (on|off)", line)
            if m: b["graphs"] = m.group(1)
            m = re.search(r"(strict FP32|TF32 allowed|TF32)", line)
            if m and " engine" in line: b["precision"] = m.group(1)
            m = re.search(r"device \d+ \(([^)]*)\)", line)
            if m: b["device"] = m.group(1)
            continue
        m = re.match(r"^([A-Za-z][\w.-]*)\s+(\d+)\s+" + r"\s+".join([NUMBER] * 5) + r"\s*$", line)
        if m and m.group(1) != "engine":
            v = [number(x) for x in m.groups()[2:]]
            b["rows"][int(m.group(2))] = {"train": v[0], "ms_step": v[1], "infer": v[2], "ms_batch": v[3], "gflops": v[4]}
            continue
        m = re.match(r"^epoch:\s*(\d+) images, batch (\d+), (\d+) steps: " + NUMBER + r" s(?: \(" + NUMBER + r" img/s\))?", line)
        if m:
            images, batch, steps = int(m.group(1)), int(m.group(2)), int(m.group(3))
            seconds, rate = number(m.group(4)), number(m.group(5))
            # the img/s figure carries more digits than the seconds: prefer it
            if rate and rate > 0: seconds = steps * batch / rate
            b["epoch"] = {"images": images, "batch": batch, "steps": steps, "s": seconds, "img_s": rate}
            continue
        if line.startswith("ceilings:"):
            b["ceilings"] = line[len("ceilings:"):].strip()
            continue
        m = re.match(r"^floor: (training step|inference batch) at batch (\d+): .* = " + NUMBER + r" x the floor", line)
        if m:
            b["floors"][(m.group(1), int(m.group(2)))] = number(m.group(3))
            continue
        if line.startswith("memory:"):
            # one line per configuration ("memory: batch 100: peak ..."), each its own peak; older builds print one line
            what = re.match(r"memory: (.*?): peak", line)
            peak = re.search(r"peak " + NUMBER + r" MiB", line)
            used = re.search(NUMBER + r" MiB in use", line)
            entry = {"what": what.group(1) if what else None, "peak": number(peak.group(1)) if peak else None,
                     "device": number(used.group(1)) if used else None}
            b["memories"].append(entry)
            if b["memory"] is None or entry["what"] is None: b["memory"] = entry
    return b


def bench_row(path, graph=None):
    b = parse_bench(read(path))
    if graph and b["graphs"] and b["graphs"] != graph:
        return 1, "asked for CUDA graphs %s, the bench header says %s" % (graph, b["graphs"])
    if not b["epoch"] or b["epoch"]["s"] is None:
        return 1, "no 'epoch:' line in the bench output"
    e = b["epoch"]
    figure = "epoch %.2f s (%.0f img/s)" % (e["s"], e["img_s"] or e["steps"] * e["batch"] / e["s"])
    notes = []
    for batch in sorted(b["rows"]):
        r = b["rows"][batch]
        notes.append("batch %d: %s train, %s infer img/s" % (batch, fmt(r["train"], 0), fmt(r["infer"], 0)))
    for batch in sorted({k[1] for k in b["floors"]}):
        notes.append("batch %d: %s x the floor training, %s x inference" % (
            batch, fmt(b["floors"].get(("training step", batch))), fmt(b["floors"].get(("inference batch", batch)))))
    peaks = [m for m in b["memories"] if m["what"]]
    if peaks: notes.append("peak MiB: " + ", ".join("%s %s" % (m["what"], fmt(m["peak"], 1)) for m in peaks))
    elif b["memory"]:
        m = b["memory"]
        notes.append("peak %s MiB (%s MiB on device)" % (fmt(m["peak"], 1), fmt(m["device"], 1)))
    if graph and not b["graphs"]: notes.append("header does not say CUDA graphs on/off")
    return 0, figure + "\t" + "; ".join(notes)


# --- the PyTorch anchor's log ---------------------------------------------------------------------

def parse_torch(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{") and '"anchor"' in line:
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def torch_row(path):
    j = parse_torch(read(path))
    if not j or number(j.get("epoch_s_median")) is None:
        return 1, "no JSON result line from torch_cae.py"
    epoch, first = number(j.get("epoch_s_median")), number(j.get("first_epoch_s"))
    figure = "epoch %.2f s (%s img/s)" % (epoch, fmt(number(j.get("train_images_per_s")), 0))
    note = "torch %s, %s, %s, first epoch %s s, infer %s img/s (batch %s), last loss %s" % (
        j.get("torch", "?"), j.get("data", "?"), "compile " + str(j["compile"]) if j.get("compile") else "eager",
        fmt(first, 2), fmt(number(j.get("infer_images_per_s")), 0), j.get("batch", "?"), fmt(number(j.get("last_loss")), 4))
    return 0, figure + "\t" + note


# --- ncu --print-summary per-kernel --csv ---------------------------------------------------------

UNIT_NS = {"ns": 1, "nsecond": 1, "nanosecond": 1, "us": 1e3, "usecond": 1e3, "microsecond": 1e3,
           "ms": 1e6, "msecond": 1e6, "millisecond": 1e6, "s": 1e9, "second": 1e9}
DURATION = ("duration", "gpu__time_duration.sum", "gpu__time_duration")


def parse_ncu(text):
    """[(kernel name, launches, total ns, sm %, mem %)] from ncu's per-kernel summary (or its per-launch
    details, one row per launch); None when there is no such CSV or it has no duration."""
    header, groups = None, {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith('"'):
            continue
        try:
            cells = next(csv.reader([line]))
        except (csv.Error, StopIteration):
            continue
        if "Kernel Name" in cells and "Metric Name" in cells:
            header = {name: i for i, name in enumerate(cells)}
            continue
        if header is None or len(cells) < len(header):
            continue
        get = lambda name: cells[header[name]] if name in header else None
        value_col = "Average" if "Average" in header else "Metric Value"
        ignore = {header.get(n) for n in ("Section Name", "Metric Name", "Metric Unit", "Minimum", "Maximum",
                                          "Average", "Metric Value", "Rule Name", "Rule Type", "Rule Description")}
        key = tuple(c for i, c in enumerate(cells) if i not in ignore)
        g = groups.setdefault(key, {"name": get("Kernel Name"), "launches": None, "ns": None, "sm": None, "mem": None})
        if "Invocations" in header: g["launches"] = number(get("Invocations"))
        metric, unit, value = (get("Metric Name") or "").strip(), (get("Metric Unit") or "").strip().lower(), number(get(value_col))
        if value is None:
            continue
        if metric.lower() in DURATION and g["ns"] is None:
            scale = UNIT_NS.get(unit)
            if scale is None and unit.endswith("second"): scale = UNIT_NS.get(unit[:-6] + "s")
            if scale is not None: g["ns"] = value * scale
        elif metric in ("Compute (SM) Throughput", "SM Throughput") and unit == "%" and g["sm"] is None:
            g["sm"] = value
        elif metric == "Memory Throughput" and unit == "%" and g["mem"] is None:
            g["mem"] = value
    kernels = {}
    for g in groups.values():
        if g["ns"] is None:
            continue
        n = g["launches"] if g["launches"] and g["launches"] > 0 else 1
        k = kernels.setdefault(g["name"], {"launches": 0, "ns": 0.0, "sm": 0.0, "mem": 0.0, "sm_ns": 0.0, "mem_ns": 0.0})
        k["launches"] += n
        k["ns"] += g["ns"] * n
        if g["sm"] is not None: k["sm"] += g["sm"] * g["ns"] * n; k["sm_ns"] += g["ns"] * n
        if g["mem"] is not None: k["mem"] += g["mem"] * g["ns"] * n; k["mem_ns"] += g["ns"] * n
    if not kernels:
        return None
    return [(name, int(k["launches"]), k["ns"], k["sm"] / k["sm_ns"] if k["sm_ns"] else None,
             k["mem"] / k["mem_ns"] if k["mem_ns"] else None) for name, k in kernels.items()]


def short_kernel(name, width=64):
    name = re.sub(r"^void ", "", name.strip())
    if name.endswith(")"):   # drop the parameter list
        depth = 0
        for i in range(len(name) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(name[i], 0)
            if depth == 0:
                name = name[:i] if i > 0 else name
                break
    return name if len(name) <= width else name[:width - 3] + "..."


def ncu_table(kernels, steps, top, what, markdown=False):
    total = sum(k[2] for k in kernels)
    launches = sum(k[1] for k in kernels)
    per_step = (" (%.3f ms per step over %d steps)" % (total / 1e6 / steps, steps) if steps > 1
                else " (one step)" if steps == 1 else "")
    title = "ncu: top kernels%s: %d kernels, %d launches, %.3f ms of kernel time%s" % (
        " of " + what if what else "", len(kernels), launches, total / 1e6, per_step)
    head = ["kernel", "launches", "avg us", "total %", "SM %", "memory %"]
    rows = []
    for name, n, ns, sm, mem in sorted(kernels, key=lambda k: -k[2])[:top]:
        rows.append([short_kernel(name), str(n), "%.2f" % (ns / n / 1e3), "%.1f" % (100 * ns / total if total else 0),
                     fmt(sm, 1), fmt(mem, 1)])
    return title, head, rows


def print_ncu(path, steps, top, what):
    text = read(path)
    kernels = parse_ncu(text)
    if not kernels:
        print("ncu: no per-kernel Duration in %s; its last lines:" % path)
        for line in text.splitlines()[-15:]:
            print("  " + line[:200])
        return 1
    title, head, rows = ncu_table(kernels, steps, top, what)
    print(title)
    print(text_table(head, rows, right=(1, 2, 3, 4, 5)))
    return 0


# --- the comparison -------------------------------------------------------------------------------

def fmt(value, digits=2):
    if value is None:
        return "-"
    return "%.*f" % (digits, value)


def ratio(a, b):
    return a / b if a is not None and b else None


def text_table(head, rows, right=()):
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    line = lambda r: " | ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(head)] + [line(r) for r in rows]).rstrip()


def md_table(head, rows):
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] +
                     ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def verdict(value, ok):
    return "no figure" if value is None else ("met" if ok(value) else "not met")


# --- each fusion's own timing, from a bench -v log under --fusion auto ---------------------------

def parse_fusion_timings(text):
    """[(case, fused us, separate us, kept)] from the "fusion auto; CASE: fused|separate [fused A us,
    separate B us]; ..." part of the bench's "# convolutions:" line (CudaEngine.choices)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("# convolutions:") or "fusion auto" not in line: continue
        for m in re.finditer(r"; ([^;\[]+?): (fused|separate) \[fused " + NUMBER + r" us, separate " + NUMBER + r" us(, fused DISAGREES[^\]]*)?\]",
                             line[line.index("fusion auto"):]):
            kept = m.group(2) + (" (fused disagreed)" if m.group(5) else "")
            rows.append((m.group(1).strip(), number(m.group(3)), number(m.group(4)), kept))
    return rows


def fusion_table(path):
    """The per-case table (title, head, rows), or None when the log has no timings."""
    rows = parse_fusion_timings(read(path))
    if not rows: return None
    head = ["case (batch x in->out channels, size)", "fused us", "separate us", "fused/separate", "kept"]
    body = [[case, fmt(f, 1), fmt(sep, 1), fmt(ratio(f, sep)), kept] for case, f, sep, kept in rows]
    return "each fusion timed alone (--fusion auto, CUDA events over a CUDA graph of 5 runs, median of 3, the first time a case is seen)", head, body


def compare(out, gpu, ncu_steps=1):
    head = ["precision", "ours graph epoch s", "ours no-graph epoch s", "torch eager epoch s",
            "torch compile epoch s", "ours/eager", "ours/compile", "ours infer img/s b100",
            "ours infer img/s b1000", "torch eager infer img/s b100", "ours/torch infer b100"]
    rows, goals, notes, torch_version, device = [], [], [], None, None
    torch_fp32 = {}
    for p in PRECISIONS:
        graph = parse_bench(read(os.path.join(out, "bench-cuda-%s-graph.log" % p)))
        nograph = parse_bench(read(os.path.join(out, "bench-cuda-%s-no-graph.log" % p)))
        eager = parse_torch(read(os.path.join(out, "torch-%s-eager.log" % p))) or {}
        comp = parse_torch(read(os.path.join(out, "torch-%s-compile.log" % p))) or {}
        if graph["graphs"] == "off": notes.append("%s graph run's header says CUDA graphs off" % p.upper())
        if nograph["graphs"] == "on": notes.append("%s no-graph run's header says CUDA graphs on" % p.upper())
        torch_version = torch_version or eager.get("torch") or comp.get("torch")
        device = device or graph["device"] or nograph["device"] or eager.get("device") or comp.get("device")
        ours = graph["epoch"]["s"] if graph["epoch"] else None
        ours_ng = nograph["epoch"]["s"] if nograph["epoch"] else None
        t_eager, t_comp = number(eager.get("epoch_s_median")), number(comp.get("epoch_s_median"))
        inf100 = graph["rows"].get(100, {}).get("infer")
        inf1000 = graph["rows"].get(1000, {}).get("infer")
        t_inf = number(eager.get("infer_images_per_s")) if number(eager.get("batch")) in (None, 100) else None
        r_eager, r_comp, r_inf = ratio(ours, t_eager), ratio(ours, t_comp), ratio(inf100, t_inf)
        if p == "fp32": torch_fp32 = {"eager": t_eager, "compile": t_comp, "infer": t_inf}
        rows.append([p.upper(), fmt(ours), fmt(ours_ng), fmt(t_eager), fmt(t_comp), fmt(r_eager), fmt(r_comp),
                     fmt(inf100, 0), fmt(inf1000, 0), fmt(t_inf, 0), fmt(r_inf)])
        goals.append("goal %s: epoch <= 0.5 x eager: %s; epoch <= compile: %s; inference >= 2 x eager: %s" % (
            p.upper(), verdict(r_eager, lambda r: r <= 0.5), verdict(r_comp, lambda r: r <= 1.0),
            verdict(r_inf, lambda r: r >= 2.0)))
    gpu = (gpu or "").strip()
    name, _, driver = gpu.partition(",")
    name, driver = name.strip() or device or "-", driver.strip() or "-"
    info = read(os.path.join(out, "info.log"))
    m = re.search(r"cuDNN:\s+version (\d+)", info)
    cudnn = "-"
    if m:
        v = int(m.group(1))
        cudnn = ("%d.%d.%d" % (v // 10000, v % 10000 // 100, v % 100) if v >= 90000
                 else "%d.%d.%d" % (v // 1000, v % 1000 // 100, v % 100)) + " (%d)" % v
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    line = "GPU %s, driver %s; %s; PyTorch %s; cuDNN %s" % (name, driver, date, torch_version or "-", cudnn)
    how = ("epoch: seconds for 55,000 images at batch 100, warm (ours: bench --epoch, one epoch on random images; "
           "torch: torch_cae.py --epochs 3 on MNIST, median of the last two); ratios ours/torch, below 1 is faster "
           "for epochs; inference: images/s of forward passes (ours with the sigmoid) at the batch named.")

    # FP32 with the fused paths never, always and where they time faster (--fusion off / on / auto, the
    # default), against the same torch runs
    fusion_head = ["FP32 variant", "ours graph epoch s", "ours/eager", "ours/compile", "ours infer img/s b100",
                 "ours infer img/s b1000", "ours/torch infer b100"]
    fusion_rows = []
    for fusion in ("off", "on", "auto"):
        b = parse_bench(read(os.path.join(out, "bench-fusion-fp32-%s.log" % fusion)))
        if not b["epoch"] and not b["rows"]: continue
        epoch = b["epoch"]["s"] if b["epoch"] else None
        inf100, inf1000 = b["rows"].get(100, {}).get("infer"), b["rows"].get(1000, {}).get("infer")
        fusion_rows.append(["--fusion " + fusion, fmt(epoch), fmt(ratio(epoch, torch_fp32.get("eager"))),
                          fmt(ratio(epoch, torch_fp32.get("compile"))), fmt(inf100, 0), fmt(inf1000, 0),
                          fmt(ratio(inf100, torch_fp32.get("infer")))])

    print("== ours against PyTorch: " + line)
    short = ["precision", "ours graph s", "ours no-graph s", "torch eager s", "torch compile s", "ours/eager",
             "ours/compile", "ours inf b100", "ours inf b1000", "torch inf b100", "ours/torch inf"]
    print(text_table(short, rows, right=tuple(range(1, len(head)))))
    if fusion_rows: print(text_table(fusion_head, fusion_rows, right=tuple(range(1, len(fusion_head)))))
    timings = fusion_table(os.path.join(out, "bench-fusion-fp32-auto.log"))
    if timings:
        print(timings[0] + ":")
        print(text_table(timings[1], timings[2], right=(1, 2, 3)))
    for g in goals: print(g)
    for n in notes: print("note: " + n)

    md = ["Ours against PyTorch on the same GPU: %s, driver %s, %s; PyTorch %s, cuDNN %s." % (name, driver, date, torch_version or "-", cudnn),
          "", md_table(head, rows), ""]
    if fusion_rows: md += [md_table(fusion_head, fusion_rows), ""]
    if timings: md += [timings[0][0].upper() + timings[0][1:] + ":", "", md_table(timings[1], timings[2]), ""]
    md += ["- " + g for g in goals] + ["- note: " + n for n in notes] + ["", how]
    ncu_log = read(os.path.join(out, "ncu.log"))
    kernels = parse_ncu(ncu_log)
    if kernels:
        precision = parse_bench(ncu_log)["precision"] or "?"
        precision = "TF32" if "TF32" in precision else "FP32" if "FP32" in precision else precision
        what = "%d training step%s, batch 100, %s, no CUDA graphs, --fusion off" % (ncu_steps, "" if ncu_steps == 1 else "s", precision)
        title, khead, krows = ncu_table(kernels, ncu_steps, 12, what)
        md += ["", title.replace("ncu: ", "Nsight Compute, ") + ".", "", md_table(khead, [[r[0].replace("|", "\\|")] + r[1:] for r in krows])]
    try:
        with open(os.path.join(out, "compare.md"), "w") as f:
            f.write("\n".join(md) + "\n")
        written = "(as Markdown in %s)" % os.path.join(out, "compare.md")
    except OSError as e:
        written = "(compare.md not written: %s)" % e
    print(written)
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip())
        return 2
    mode, path, rest = argv[1], argv[2], argv[3:]
    opts = dict(zip(rest[::2], rest[1::2]))
    if mode == "bench":
        rc, text = bench_row(path, opts.get("--graph"))
        print(text)
        return rc
    if mode == "torch":
        rc, text = torch_row(path)
        print(text)
        return rc
    if mode == "ncu":
        return print_ncu(path, int(opts.get("--steps", 0)), int(opts.get("--top", 12)), opts.get("--what"))
    if mode == "compare":
        return compare(path, opts.get("--gpu"), int(opts.get("--ncu-steps", 1)))
    print(__doc__.strip())
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:   # a log this did not foresee must not stop the check
        print("compare-table.py %s: %s: %s" % (" ".join(sys.argv[1:2]), type(e).__name__, e))
        sys.exit(1)
