// Helpers that print values the way Python does, so module trees match PyTorch's repr exactly.

/**
 * A number as Python's `repr(float)`: `1.0`, `0.01`, `1e-05`, `1e+16`.
 * Example: `pyFloat(1e-5) === "1e-05"`.
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  // Python switches to exponent notation below 1e-4 and from 1e16 on; JS at 1e-7 and 1e21.
  if (exp >= -4 && exp < 16) {
    const text =
      Math.abs(x) >= 1e21 ? x.toLocaleString("en-US", { useGrouping: false }) : String(x);
    return text.includes(".") ? text : `${text}.0`;
  }
  const sign = exp < 0 ? "-" : "+";
  return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** A Python tuple of numbers: `(2, 5)`, `(5,)`, `()`. Example: `pyTuple([2, 5]) === "(2, 5)"`. */
export function pyTuple(values: readonly (number | string)[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(", ")})`;
}

/** Python's `True`/`False`. Example: `pyBool(true) === "True"`. */
export function pyBool(b: boolean): string {
  return b ? "True" : "False";
}

/** A Python string literal with single quotes. Example: `pyStr("none") === "'none'"`. */
export function pyStr(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** Indents every line but the first by `spaces`, as torch.nn.modules.module._addindent. */
export function addIndent(text: string, spaces: number): string {
  const lines = text.split("\n");
  if (lines.length === 1) return text;
  const pad = " ".repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join("\n");
}

/**
 * The PyTorch name of a field: a camelCase name (a lowercase letter, then letters and digits)
 * has its lower-to-upper boundaries turned into underscores (`runningMean` -> `running_mean`,
 * `inProjWeight` -> `in_proj_weight`); any other name (`0`, `block 0`, `W_q`, `fc1`,
 * `DenseBlock_0`) is kept as written. Example: `torchName("numBatchesTracked")`.
 */
export function torchName(field: string): string {
  if (!/^[a-z][A-Za-z0-9]*$/.test(field)) return field;
  return field.replace(
    /([a-z0-9])([A-Z]+)/g,
    (_m, a: string, b: string) => `${a}_${b.toLowerCase()}`,
  );
}
