import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';

async function boot(): Promise<void> {
  // Dev-only preview without Rust: `npm run dev:mock`. Vite replaces the flag at build time, so a
  // normal build drops this branch and the mock module entirely.
  if (import.meta.env.VITE_MOCK_IPC === '1') {
    const { installMockIpc } = await import('./dev/mock-ipc');
    installMockIpc();
  }
  const target = document.getElementById('app');
  if (target) mount(App, { target });
}

void boot();
