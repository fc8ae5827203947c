// A collapsible tree as the WAI-ARIA tree pattern describes it: role=tree / treeitem / group,
// aria-expanded on directories, one item in the tab order (roving tabindex), and the keys
// Up/Down (previous/next visible item), Right (open, then first child), Left (close, then parent),
// Home/End, Enter (open or close a directory, activate a file). A directory's children are loaded
// from the API when it is first opened, one page at a time ("more…" loads the next page).

import { h } from './dom.js';

const PAGE = 200;

/**
 * Builds a tree. `load(dir, offset)` resolves to `{ entries, next }` (entries have `name`, `path`,
 * `type`); `label(entry)` gives the nodes of an item; `attrs(entry)` extra attributes;
 * `activate(entry)` runs on Enter or click on an item that is not a directory.
 */
export function createTree({ id, label, root = '', load, render, attrs = () => ({}), activate }) {
  const tree = h('ul', { role: 'tree', id, 'aria-label': label });

  const items = () =>
    [...tree.querySelectorAll('[role="treeitem"]')].filter(
      (el) => el.parentElement.closest('[role="group"][hidden]') === null,
    );

  function focus(item) {
    if (!item) return;
    for (const el of tree.querySelectorAll('[role="treeitem"][tabindex="0"]')) el.tabIndex = -1;
    item.tabIndex = 0;
    item.focus();
  }

  async function fill(group, dir, offset, level) {
    const status = h('li', { role: 'none', class: 'muted' }, 'loading…');
    group.append(status);
    let page;
    try {
      page = await load(dir, offset, PAGE);
    } catch (err) {
      status.textContent = String(err.message ?? err);
      status.className = 'error';
      return;
    }
    status.remove();
    if (page.entries.length === 0 && offset === 0)
      group.append(h('li', { role: 'none', class: 'muted empty' }, '(empty)'));
    for (const entry of page.entries) group.append(item(entry, level));
    if (page.next !== null) {
      const more = h(
        'li',
        { role: 'treeitem', 'aria-level': level, tabindex: -1, 'data-more': page.next, class: 'more' },
        h('span', { class: 'row' }, `more… (from ${page.next + 1})`),
      );
      more.activate = async () => {
        const next = more.previousElementSibling;
        more.remove();
        await fill(group, dir, page.next, level);
        focus(next?.nextElementSibling ?? next);
      };
      group.append(more);
    }
  }

  function item(entry, level) {
    const dir = entry.type === 'directory';
    const li = h(
      'li',
      {
        role: 'treeitem',
        'aria-level': level,
        'aria-expanded': dir ? 'false' : undefined,
        tabindex: -1,
        'data-path': entry.path,
        'data-type': entry.type,
        ...attrs(entry),
      },
      h(
        'span',
        { class: 'row' },
        h('span', { class: 'twisty', 'aria-hidden': 'true' }, dir ? '▸' : ''),
        render(entry),
      ),
    );
    li.entry = entry;
    return li;
  }

  async function toggle(li, open = li.getAttribute('aria-expanded') !== 'true') {
    if (li.getAttribute('aria-expanded') === null) return;
    li.setAttribute('aria-expanded', String(open));
    li.querySelector(':scope > .row > .twisty').textContent = open ? '▾' : '▸';
    let group = li.querySelector(':scope > [role="group"]');
    if (!open) {
      if (group) group.hidden = true;
      return;
    }
    if (group) {
      group.hidden = false;
      return;
    }
    group = h('ul', { role: 'group' });
    li.append(group);
    await fill(group, li.entry.path, 0, Number(li.getAttribute('aria-level')) + 1);
  }

  function parentItem(li) {
    return li.parentElement.closest('[role="treeitem"]');
  }

  async function activateItem(li) {
    if (li.activate) return li.activate();
    if (li.getAttribute('aria-expanded') !== null) return toggle(li);
    if (activate) activate(li.entry);
  }

  tree.addEventListener('keydown', async (e) => {
    const li = e.target.closest('[role="treeitem"]');
    if (!li) return;
    const visible = items();
    const at = visible.indexOf(li);
    const expanded = li.getAttribute('aria-expanded');
    switch (e.key) {
      case 'ArrowDown':
        focus(visible[at + 1]);
        break;
      case 'ArrowUp':
        focus(visible[at - 1]);
        break;
      case 'Home':
        focus(visible[0]);
        break;
      case 'End':
        focus(visible[visible.length - 1]);
        break;
      case 'ArrowRight':
        if (expanded === 'false') await toggle(li, true);
        else if (expanded === 'true') focus(li.querySelector(':scope > [role="group"] > [role="treeitem"]'));
        break;
      case 'ArrowLeft':
        if (expanded === 'true') await toggle(li, false);
        else focus(parentItem(li));
        break;
      case 'Enter':
      case ' ':
        await activateItem(li);
        break;
      default:
        return;
    }
    e.preventDefault();
  });

  tree.addEventListener('click', async (e) => {
    const li = e.target.closest('[role="treeitem"]');
    if (!li || e.target.closest('a')) return;
    focus(li);
    await activateItem(li);
  });

  // The first item takes the tab stop once the top level is in.
  tree.ready = fill(tree, root, 0, 1).then(() => {
    const first = tree.querySelector('[role="treeitem"]');
    if (first) first.tabIndex = 0;
  });
  return tree;
}
