/**
 * `nb.data`: datasets, samplers, the DataLoader, image transforms, and the vision datasets
 * ((Fashion-)MNIST, CIFAR10, ImageFolder).
 * Example: `const loader = new nb.data.DataLoader(new nb.data.FashionMNIST(), { batchSize: 256 });`
 */
export { CIFAR10, CIFAR10_CLASSES, type CIFAR10Options } from "./cifar.js";
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
  decodeImage,
  type DecodeImageOptions,
  type ImageHeader,
  loadImage,
  MAX_IMAGE_PIXELS,
  readImageHeader,
  rgbToTensor,
} from "./image-decode.js";
export { IMG_EXTENSIONS, ImageFolder, type ImageFolderOptions } from "./image-folder.js";
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
