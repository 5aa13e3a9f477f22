import { RealToneError } from '../shared/errors.ts';

/** Base for everything the inference module raises. */
export abstract class InferenceError extends RealToneError {}

/** model.json is missing, unreadable or does not follow the manifest schema. */
export class ManifestError extends InferenceError {
  readonly code = 'model_manifest_invalid';
}

/** The ONNX file disagrees with its manifest (names, shapes, checksum) or cannot be loaded. */
export class ModelMismatchError extends InferenceError {
  readonly code = 'model_mismatch';
}

/** onnxruntime failed while running a batch. */
export class InferenceRunError extends InferenceError {
  readonly code = 'inference_failed';
}
