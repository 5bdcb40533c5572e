// Evaluated before the components (first import of main.ts): Lit puts this nonce on the <style>
// elements it creates where constructable style sheets are not supported, so the panel's CSP
// (style-src with a nonce, no 'unsafe-inline') lets them through. Chromium uses
// adoptedStyleSheets, which CSP does not govern, so in VS Code this is only a safety net.
const script = document.querySelector<HTMLScriptElement>('script[nonce]');
if (script?.nonce) (window as unknown as { litNonce?: string }).litNonce = script.nonce;

export {};
