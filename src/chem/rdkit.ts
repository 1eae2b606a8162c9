import rdkitPackage, { type MainModule, type Mol } from '@rdkit/rdkit';

// The package is CommonJS whose typings declare an ES default export; at run time
// Node hands us module.exports, which is the factory itself.
const initRDKitModule = rdkitPackage as unknown as (options?: unknown) => Promise<MainModule>;

export type RDKit = MainModule;
export type { Mol };

let loading: Promise<RDKit> | undefined;
let loaded: RDKit | undefined;

/**
 * RDKit's WebAssembly module, initialised once per process (or worker thread):
 * instantiating the 30 MB module costs ~0.3 s, so every caller shares it.
 */
export function loadRDKit(): Promise<RDKit> {
  loading ??= initRDKitModule().then((rdkit: RDKit) => {
    // RDKit logs parse failures to stderr itself; we report them as typed errors instead.
    rdkit.disable_logging();
    // The modern stereo perception (RDKit's default since 2024.09) keeps double-bond
    // stereo through our JSON round trips; the legacy one drops it.
    rdkit.use_legacy_stereo_perception(false);
    loaded = rdkit;
    return rdkit;
  });
  return loading;
}

/** The loaded module; throws if loadRDKit() has not completed (a programming error). */
export function rdkit(): RDKit {
  if (!loaded) throw new Error('RDKit is not initialised: await loadRDKit() first');
  return loaded;
}

/** RDKit's own version string, e.g. "2026.09.1"; part of every feature version hash. */
export function rdkitVersion(): string {
  return rdkit().version();
}

/** Run fn with a molecule and always free its WebAssembly memory. */
export function withMol<T>(mol: Mol, fn: (mol: Mol) => T): T {
  try {
    return fn(mol);
  } finally {
    mol.delete();
  }
}
