// d2l 6.2-6.3 "Parameter Management" and "Parameter Initialization": reading parameters and
// state dicts, nested blocks with "block i" names, built-in and custom initialisation, direct
// edits, and tied parameters whose gradient is the sum over their uses.
import assert from "node:assert/strict";
import * as nb from "nabla";
import { nn, type Tensor } from "nabla";

const { init } = nn;

const block1 = () =>
  new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU());

function block2(): nn.Sequential<ReturnType<typeof block1>[]> {
  const net = new nn.Sequential<ReturnType<typeof block1>[]>();
  for (let i = 0; i < 4; i++) net.addModule(`block ${i}`, block1()); // nested here
  return net;
}

const BLOCK1 = `Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )`;
const RGNET = `Sequential(
  (0): Sequential(
${[0, 1, 2, 3].map((i) => `    (block ${i}): ${BLOCK1}`).join("\n")}
  )
  (1): Linear(in_features=4, out_features=1, bias=True)
)`;

const values = (t: Tensor) => Array.from(t.data());

/** Parameter access: state dicts, names, grads, and the nested rgnet. */
function access(log: (...args: unknown[]) => void): void {
  const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
  const X = nb.rand([2, 4]);
  assert.deepEqual(net.forward(X).shape, [2, 1]);

  const sd = net.at(2).stateDict();
  log(sd);
  assert.deepEqual(Object.keys(sd), ["weight", "bias"]);
  assert.deepEqual(sd.weight.shape, [1, 8]);

  const bias = net.at(2).bias!;
  assert.ok(bias instanceof nn.Parameter);
  log(bias.detach().toString()); // net[2].bias.data
  assert.equal(bias.detach().requiresGrad, false);
  assert.equal(net.at(2).weight.grad, null); // no backward yet

  const named = (m: nn.Module) => m.namedParameters().map(([n, p]) => [n, p.shape]);
  assert.deepEqual(named(net.at(0)), [
    ["weight", [8, 4]],
    ["bias", [8]],
  ]);
  assert.deepEqual(named(net), [
    ["0.weight", [8, 4]],
    ["0.bias", [8]],
    ["2.weight", [1, 8]],
    ["2.bias", [1]],
  ]);
  assert.deepEqual(values(net.stateDict()["2.bias"]), values(bias));

  const rgnet = new nn.Sequential(block2(), new nn.Linear(4, 1));
  assert.deepEqual(rgnet.forward(X).shape, [2, 1]);
  log(String(rgnet));
  assert.equal(String(rgnet), RGNET);
  const deep = rgnet.at(0).at(1).at(0).bias!;
  log(deep.detach().toString());
  assert.deepEqual(deep.shape, [8]);
  assert.deepEqual(values(rgnet.stateDict()["0.block 1.0.bias"]), values(deep));
}

/** Built-in initialisers through apply, per-layer initialisers, a custom one, direct edits. */
function initialise(): void {
  const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
  const linear0 = net.at(0);

  net.apply((m) => {
    if (m instanceof nn.Linear) {
      init.normal_(m.weight, 0, 0.01);
      init.zeros_(m.bias!);
    }
  });
  assert.ok(linear0.weight.abs().max().item() < 0.06);
  assert.ok(linear0.weight.std().item() < 0.02);
  assert.deepEqual(values(linear0.bias!), new Array(8).fill(0));

  net.apply((m) => {
    if (m instanceof nn.Linear) {
      init.constant_(m.weight, 1);
      init.zeros_(m.bias!);
    }
  });
  assert.deepEqual(values(linear0.weight), new Array(32).fill(1));

  net.at(0).apply((m) => {
    if (m instanceof nn.Linear) init.xavierUniform_(m.weight);
  });
  net.at(2).apply((m) => {
    if (m instanceof nn.Linear) init.constant_(m.weight, 42);
  });
  assert.ok(linear0.weight.abs().max().item() <= Math.sqrt(6 / (4 + 8)));
  assert.deepEqual(values(net.at(2).weight), new Array(8).fill(42));

  // Custom: U(-10, 10), then keep only the entries with |w| >= 5.
  net.apply((m) => {
    if (m instanceof nn.Linear) {
      init.uniform_(m.weight, -10, 10);
      nb.noGrad(() => m.weight.mul_(m.weight.abs().ge(5)));
    }
  });
  for (const w of values(linear0.weight)) assert.ok(w === 0 || Math.abs(w) >= 5);

  // net[0].weight.data[:] += 1; net[0].weight.data[0, 0] = 42
  const before = values(linear0.weight);
  nb.noGrad(() => {
    linear0.weight.add_(1);
    linear0.weight.set(0, 0, 42);
  });
  const after = values(linear0.weight);
  assert.equal(after[0], 42);
  for (let i = 1; i < after.length; i++) assert.ok(Math.abs(after[i] - (before[i] + 1)) < 1e-5);
}

/** A shared layer used twice: one tensor, and its gradient is the sum of both uses. */
function tied(): number {
  const shared = new nn.Linear(8, 8);
  const net = new nn.Sequential(
    new nn.Linear(4, 8),
    new nn.ReLU(),
    shared,
    new nn.ReLU(),
    shared,
    new nn.ReLU(),
    new nn.Linear(8, 1),
  );
  const X = nb.rand([2, 4]);
  net.forward(X).sum().backward();
  assert.equal(net.at(2).weight, net.at(4).weight);
  nb.noGrad(() => net.at(2).weight.set(0, 0, 100));
  assert.equal(net.at(4).weight.get(0, 0).item(), 100);
  net.zeroGrad();
  net.forward(X).sum().backward();

  // By hand: two independent copies of the shared weight, one per use; their gradients add up.
  const w1 = shared.weight.detach().clone().requiresGrad_();
  const w2 = shared.weight.detach().clone().requiresGrad_();
  const [first, , , , , , last] = [...net] as nn.Linear[];
  const c = (t: Tensor) => t.detach();
  let h = X.matmul(c(first.weight).T).add(c(first.bias!)).relu();
  h = h.matmul(w1.T).add(c(shared.bias!)).relu();
  h = h.matmul(w2.T).add(c(shared.bias!)).relu();
  h.matmul(c(last.weight).T).add(c(last.bias!)).sum().backward();
  const expected = w1.grad!.add(w2.grad!);
  const diff = shared.weight.grad!.sub(expected).abs().max().item();
  assert.ok(diff < 1e-5, `tied gradient differs from the sum of both uses by ${diff}`);
  return diff;
}

/** Runs the sections, asserting what the book shows. */
export function main(log: (...args: unknown[]) => void = console.log): { tiedDiff: number } {
  nb.manualSeed(0);
  access(log);
  initialise();
  const tiedDiff = tied();
  log(`tied parameters: gradient matches the sum of both uses (max diff ${tiedDiff})`);
  return { tiedDiff };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
