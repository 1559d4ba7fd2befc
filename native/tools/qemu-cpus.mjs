#!/usr/bin/env node
// `npm run test:cpus`: runs native kernel tests on emulated older CPUs, to show that the one
// binary picks the right variant and that nothing in the chosen variant needs a newer CPU
// (an AVX instruction on a CPU without AVX faults with SIGILL; this machine cannot show that,
// since it has every extension). qemu-user (Debian's qemu-user package) runs this machine's node
// on an emulated CPU: qemu64 has only what every x86-64 CPU has (no SSSE3, SSE4, POPCNT or AVX:
// the baseline variant must load), Haswell has AVX2 and FMA but no AVX-512 (the AVX2 variant
// must load). QEMU cannot emulate AVX-512. Exits 0 with a note when qemu-x86_64 is missing or
// this is not x86-64 Linux, unless --require is given (CI).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../scripts/native-build.mjs";

const CPUS = [
  { cpu: "qemu64", isa: "baseline" },
  { cpu: "Haswell", isa: "avx2" },
];
// The kernel families whose code differs most between variants (GEMM and its packing,
// vectorised math, reductions, the fused optimizer steps); each file compares with plain loops.
const FILES = ["gemm", "elementwise", "reduce", "softmax", "optim"].map((f) =>
  join(packageRoot, "test", "backend", "native", `${f}.test.ts`),
);

if (process.platform !== "linux" || process.arch !== "x64") {
  console.log("test:cpus: only for x86-64 Linux; nothing to do");
  process.exit(0);
}
if (spawnSync("qemu-x86_64", ["--version"]).status !== 0) {
  const required = process.argv.includes("--require");
  console.log(
    `test:cpus: qemu-x86_64 not found (apt-get install qemu-user); ${required ? "failed" : "skipped"}`,
  );
  process.exit(required ? 1 : 0);
}

let failed = false;
for (const { cpu, isa } of CPUS) {
  const probe = spawnSync(
    "qemu-x86_64",
    [
      "-cpu",
      cpu,
      process.execPath,
      "-e",
      "const a = require('node-gyp-build')(process.argv[1]); console.log(a.isa)",
      packageRoot,
    ],
    { encoding: "utf8", cwd: packageRoot },
  );
  const got = probe.stdout.trim();
  if (probe.status !== 0 || got !== isa) {
    console.error(
      `test:cpus: on ${cpu} the addon loaded "${got}", expected "${isa}" ${probe.stderr
        .split("\n")
        .filter((l) => !l.startsWith("qemu"))
        .join(" ")}`,
    );
    failed = true;
    continue;
  }
  for (const file of FILES) {
    // Each file runs in-process (node runs a test file directly), so all of it is emulated; the
    // test runner's --test mode would start un-emulated child processes.
    const r = spawnSync("qemu-x86_64", ["-cpu", cpu, process.execPath, "--import", "tsx", file], {
      encoding: "utf8",
      cwd: packageRoot,
      env: { ...process.env, NABLA_BACKEND: "native" },
      maxBuffer: 1 << 26,
    });
    const pass = /^# pass (\d+)/m.exec(r.stdout)?.[1] ?? "0";
    const fail = /^# fail (\d+)/m.exec(r.stdout)?.[1] ?? "?";
    const ok = r.status === 0 && fail === "0" && pass !== "0";
    console.log(
      `test:cpus: ${cpu} (${isa}) ${file.split("/").pop()}: ${pass} passed, ${fail} failed${ok ? "" : ` (exit ${r.status ?? r.signal})`}`,
    );
    if (!ok) {
      failed = true;
      console.error(
        r.stdout
          .split("\n")
          .filter((l) => /not ok|Error|error:/.test(l))
          .slice(0, 20)
          .join("\n"),
      );
      console.error(
        r.stderr
          .split("\n")
          .filter((l) => !l.startsWith("qemu"))
          .slice(-10)
          .join("\n"),
      );
    }
  }
}
process.exit(failed ? 1 : 0);
