// The engine worker: owns the onnxruntime sessions so the model never runs on the extension
// host's main thread. Filled in by the engine issue.
export {};
