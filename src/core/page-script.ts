/**
 * The DOM helpers every dashboard page's inline script starts with: `$` by id, and `el`,
 * which builds an element whose children are set as text, never as markup, since what
 * the pages show (entity values, transcripts, a model's tool arguments) is untrusted.
 */
export const DOM_HELPERS = `const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
};`;
