// The slice of the WebAssembly JS API the parsers use. @types/node 20 does not declare
// it and the DOM lib is off limits for the core.
declare namespace WebAssembly {
  interface Module {}
  type Imports = Record<string, Record<string, unknown>>;
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
  // Synchronous forms: node allows them on any thread, whatever the module's size.
  const Module: { new (bytes: ArrayBufferView | ArrayBuffer): Module };
  const Instance: { new (module: Module, imports?: Imports): Instance };
  /** An exported global (a mutable one can be set from JS). */
  interface Global {
    value: number;
  }
  /** What a trap throws. */
  class RuntimeError extends Error {}
}
