/** SHA-256 (hex) of the training kernels' WebAssembly module. */
export declare const trainKernelsSha256: string;
/** The training kernels' WebAssembly module (assembly/train-kernels.ts), base64. */
export declare const trainKernelsWasm: string;
