import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, ProgressBar, type ProgressStream } from "../../src/train/progress.js";

function fakeStream(isTTY: boolean): ProgressStream & { out: string } {
  const s = {
    out: "",
    isTTY,
    columns: 160,
    write(chunk: string) {
      s.out += chunk;
      return true;
    },
  };
  return s;
}

/** A clock that advances `step` ms each time it is read. */
function clock(step: number) {
  let t = 0;
  return () => (t += step);
}

test("plain lines when not a TTY: one per 10% of the epoch, then a final line", () => {
  const stream = fakeStream(false);
  const bar = new ProgressBar({ total: 47, label: "epoch 1/3", stream, now: clock(10) });
  for (let i = 0; i < 47; i++) bar.tick({ loss: 1 / (i + 1), acc: i / 47, examples: 256 });
  bar.stop();
  bar.stop(); // idempotent
  const lines = stream.out.trimEnd().split("\n");
  assert.equal(lines.length, 10, stream.out);
  assert.match(
    lines[0]!,
    /^epoch 1\/3 batch 5\/47 \(10%\) \| loss 0\.2000 \| acc 0\.085 \| \d+ ex\/s \| ETA \d+:\d\d$/,
  );
  assert.match(lines[8]!, /batch 43\/47 \(91%\)/);
  assert.match(
    lines[9]!,
    /^epoch 1\/3 batch 47\/47 \(100%\) \| loss 0\.0213 \| acc 0\.979 \| \d+ ex\/s \| took 0:\d\d$/,
  );
  assert.ok(!stream.out.includes("\x1b"), "no escape codes in plain mode");
});

test("plain mode: examples/s and ETA come from the clock", () => {
  const stream = fakeStream(false);
  let t = 0;
  const bar = new ProgressBar({ total: 10, stream, now: () => t });
  t = 1000; // 1 s per batch of 100 examples
  bar.tick({ loss: 2, examples: 100 });
  assert.equal(stream.out, "batch 1/10 (10%) | loss 2.0000 | acc - | 100 ex/s | ETA 0:09\n");
  assert.equal(bar.rate(), 100);
  t = 10_000;
  bar.update(10, { examples: 900 });
  bar.stop();
  assert.equal(
    stream.out.split("\n")[1],
    "batch 10/10 (100%) | loss 2.0000 | acc - | 100 ex/s | took 0:10",
  );
});

test("few batches: no more than one line per batch; zero batches still prints the final line", () => {
  const stream = fakeStream(false);
  const bar = new ProgressBar({ total: 3, stream, now: clock(1) });
  bar.tick();
  bar.tick();
  bar.tick();
  bar.stop();
  assert.equal(stream.out.trimEnd().split("\n").length, 3);
  const empty = fakeStream(false);
  new ProgressBar({ total: 0, stream: empty }).stop();
  assert.match(empty.out, /^batch 0\/0 \(100%\)/);
  assert.throws(() => new ProgressBar({ total: -1 }), /total must be an integer >= 0, got -1/);
});

test("TTY: a cli-progress bar redrawn in place with batch, loss, acc, rate and ETA", () => {
  const stream = fakeStream(true);
  const bar = new ProgressBar({ total: 10, label: "epoch 2/10", stream });
  for (let i = 0; i < 10; i++) bar.tick({ loss: 0.5, acc: 0.75, examples: 32 });
  bar.stop();
  assert.match(
    stream.out,
    /epoch 2\/10 \|[\u2588\u2591]{25}\| 0\/10 \| loss - \| acc - \| 0 ex\/s \| ETA/,
  );
  assert.match(
    stream.out,
    /epoch 2\/10 \|\u2588{25}\| 10\/10 \| loss 0\.5000 \| acc 0\.750 \| \d+ ex\/s \| ETA 0s/,
  );
  assert.ok(stream.out.includes("\x1b["), "redraws with cursor control");
  assert.ok(stream.out.endsWith("\n"));
  // plain: true forces lines on a terminal too.
  const forced = fakeStream(true);
  const plain = new ProgressBar({ total: 1, stream: forced, plain: true });
  plain.tick();
  plain.stop();
  assert.match(forced.out, /^batch 1\/1 \(100%\) .* took /);
});

test("formatDuration", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(75.4), "1:15");
  assert.equal(formatDuration(3723), "1:02:03");
  assert.equal(formatDuration(Number.NaN), "?");
});
