// The page's Content-Security-Policy admits style elements only with this response's nonce.
// xterm.js creates <style> elements for its renderer, so each one gets the nonce as it is made.
const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? "";
const createElement = document.createElement.bind(document);
document.createElement = ((tag: string, options?: ElementCreationOptions) => {
  const node = createElement(tag, options);
  if (tag.toLowerCase() === "style" && nonce) node.setAttribute("nonce", nonce);
  return node;
}) as typeof document.createElement;
