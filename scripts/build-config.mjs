#!/usr/bin/env node
// Facts about the C++ compiler that binding.gyp's variables need (gyp runs this with one
// argument and reads 1 or 0 from stdout):
//   gcc             the compiler is GCC, whose target pragma the multi-variant x86-64 build uses
//                   (isa.h); with another compiler (Clang) the addon is compiled for this machine.
//   static-runtime  the compiler can link libstdc++ statically. Debian and Ubuntu always can;
//                   Fedora, RHEL and Amazon Linux only with their libstdc++-static package, and
//                   there the addon links the system's libstdc++ instead of failing to link.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";

const cxx = (process.env.CXX ?? "g++").trim().split(/\s+/);
const ask = (...args) => spawnSync(cxx[0], [...cxx.slice(1), ...args], { encoding: "utf8" });

function isGcc() {
  // GCC defines __GNUC__ without __clang__; Clang defines both.
  const r = ask("-dM", "-E", "-x", "c++", "/dev/null");
  return (
    r.status === 0 && /#define __GNUC__ /.test(r.stdout) && !/#define __clang__ /.test(r.stdout)
  );
}

function hasStaticRuntime() {
  const r = ask("-print-file-name=libstdc++.a");
  const path = (r.stdout ?? "").trim();
  // Asked for a file it does not have, the compiler prints the bare name back.
  return r.status === 0 && isAbsolute(path) && existsSync(path);
}

const facts = { gcc: isGcc, "static-runtime": hasStaticRuntime };
const fact = facts[process.argv[2]];
if (!fact) {
  console.error(
    `build-config: unknown fact "${process.argv[2]}" (${Object.keys(facts).join(", ")})`,
  );
  process.exit(2);
}
process.stdout.write(fact() ? "1" : "0");
