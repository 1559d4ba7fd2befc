/**
 * `nb.data`: datasets, samplers, the DataLoader, image transforms and the (Fashion-)MNIST datasets.
 * Example: `const loader = new nb.data.DataLoader(new nb.data.FashionMNIST(), { batchSize: 256 });`
 */
export { defaultCollate, stackSamples, type Collated } from "./collate.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export {
  type BatchedDataset,
  ConcatDataset,
  type Dataset,
  randomSplit,
  Subset,
  TensorDataset,
} from "./dataset.js";
export { type EmbeddedOptions, loadFashionMnist, loadMnist } from "./embedded.js";
export {
  findIdxFiles,
  type IdxDataset,
  loadIdxDataset,
  readIdxImages,
  readIdxLabels,
  type Split,
} from "./idx.js";
export {
  BatchSampler,
  type BatchSamplerLike,
  RandomSampler,
  type RandomSamplerOptions,
  type Sampler,
  SequentialSampler,
} from "./sampler.js";
export * as transforms from "./transforms.js";
export {
  FASHION_MNIST_LABELS,
  FashionMNIST,
  getFashionMnistLabels,
  loadDataFashionMnist,
  type LoadDataOptions,
  MNIST,
  MnistDataset,
  type MnistOptions,
} from "./vision.js";
