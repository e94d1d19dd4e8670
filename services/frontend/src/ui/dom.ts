/** A small element builder: the page is drawn with DOM calls, never innerHTML, so no value is ever parsed as markup. */

type Child = Node | string | number | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string>> = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A trace id, linked to Jaeger's view of it when JAEGER_UI_URL is set. */
export function traceLink(traceId: string, jaegerUiUrl: string): HTMLElement {
  if (jaegerUiUrl === '' || traceId === '') return h('code', {}, traceId || '–');
  const href = `${jaegerUiUrl.replace(/\/+$/, '')}/trace/${traceId}`;
  return h(
    'a',
    { href, target: '_blank', rel: 'noopener', title: 'Open this trace in Jaeger' },
    h('code', {}, traceId),
  );
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}
