/// <reference types="svelte" />
/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** '1' runs the UI against the in-browser mock engine (src/dev/mock-ipc.ts). Dev only. */
  readonly VITE_MOCK_IPC?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
