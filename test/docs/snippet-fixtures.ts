// Files that documentation snippets read as a user would have them (a CIFAR-10 download, a folder
// of photos, converted weights), made small but in the real formats, in the snippet's working
// directory. A block asks for them with `<!-- snippet: fixtures=cifar10,hotdog -->` before its fence.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as nb from "nabla";
import { cifarBatch } from "../data/cifar-files.js";
import { encodeJpeg, encodePng, rgbImage, withAlpha } from "../data/image-files.js";

function write(dir: string, path: string, bytes: Uint8Array | string): void {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, bytes);
}

/** A colourful w x h RGB image that differs with `seed`. */
function photo(w: number, h: number, seed: number): Uint8Array {
  return rgbImage(w, h, (x, y) => [
    (x * 9 + seed * 40) % 256,
    (y * 7 + seed * 13) % 256,
    (x + y) % 256,
  ]);
}

/** What each fixture name writes into a working directory. */
export const FIXTURES: Record<string, (dir: string) => void> = {
  /** `data/cifar-10-batches-bin/`: the binary CIFAR-10 batches, 3 images each, and batches.meta.txt. */
  cifar10(dir) {
    for (let k = 1; k <= 5; k++) {
      write(
        dir,
        `data/cifar-10-batches-bin/data_batch_${k}.bin`,
        cifarBatch(3 * k, [k, k + 1, k + 4]),
      );
    }
    write(dir, "data/cifar-10-batches-bin/test_batch.bin", cifarBatch(100, [0, 9, 5]));
    write(
      dir,
      "data/cifar-10-batches-bin/batches.meta.txt",
      nb.data.CIFAR10_CLASSES.join("\n") + "\n\n",
    );
  },
  /** `hotdog/{train,test}/{hotdog,not-hotdog}/`: d2l's hot-dog layout, PNG and JPEG photos of odd sizes. */
  hotdog(dir) {
    for (const [splitIndex, split] of ["train", "test"].entries()) {
      for (const [classIndex, label] of ["hotdog", "not-hotdog"].entries()) {
        const seed = 2 * classIndex + splitIndex;
        const [w, h] = [40 + seed, 30 + 2 * seed];
        write(dir, `hotdog/${split}/${label}/0.jpg`, encodeJpeg(w, h, photo(w, h, seed)));
        const rgba = withAlpha(photo(25, 35, seed + 5), () => 255);
        write(dir, `hotdog/${split}/${label}/1.png`, encodePng(25, 35, rgba));
      }
    }
  },
  /** `resnet18-imagenet.safetensors`: a torchvision-keyed ResNet-18 state dict (seeded, not trained). */
  "resnet18-imagenet"(dir) {
    nb.manualSeed(0);
    const net = nb.models.torchvision.resnet18();
    nb.saveStateDict(join(dir, "resnet18-imagenet.safetensors"), net.stateDict());
  },
};
