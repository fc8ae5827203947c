// A collapsible tree as the WAI-ARIA tree pattern describes it: role=tree / treeitem / group,
// aria-expanded on directories, one item in the tab order (roving tabindex), and the keys
// Up/Down (previous/next visible item), Right (open, then first child), Left (close, then parent),
// Home/End, Enter (open or close a directory, activate a file). A directory's children are loaded
// from the API when it is first opened, one page at a time ("more…" loads the next page, and
// "earlier…" the previous one once the first pages have given way: see WINDOW).

import { h } from './dom.js';

const PAGE = 200;
/**
 * Most entries of one folder in the page at once: past it, the entries farthest from the page
 * just loaded are removed and an "earlier…" (or "more…") item loads them again, so a folder of
 * 100,000 files never puts 100,000 items in the DOM.
 */
const WINDOW = 5 * PAGE;

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

  /** The items of `group` that are entries (not the loading line or the more/earlier controls). */
  const entryItems = (group) => [...group.children].filter((el) => el.entry !== undefined);

  /** One page of `dir` from `offset`, or null after showing why it failed (where `at` stands). */
  async function loadPage(group, dir, offset, limit, at = null) {
    const status = h('li', { role: 'none', class: 'muted' }, 'loading…');
    group.insertBefore(status, at);
    try {
      return await load(dir, offset, limit);
    } catch (err) {
      status.textContent = String(err.message ?? err);
      status.className = 'error';
      return null;
    } finally {
      if (status.className !== 'error') status.remove();
    }
  }

  /** A "more…" or "earlier…" item: activating it loads the next or the previous page. */
  function control(kind, offset, level, text, run) {
    const li = h(
      'li',
      { role: 'treeitem', 'aria-level': level, tabindex: -1, [`data-${kind}`]: offset, class: kind },
      h('span', { class: 'row' }, text),
    );
    li.activate = run;
    return li;
  }

  /** Puts the group's "more…" item at its end (none when the folder ends at `next` null). */
  function setMore(group, dir, level, next) {
    group.querySelector(':scope > li.more')?.remove();
    if (next === null) return;
    const more = control('more', next, level, `more… (from ${next + 1})`, async () => {
      const last = more.previousElementSibling;
      more.remove();
      await fill(group, dir, next, level);
      focus(last?.nextElementSibling ?? last);
    });
    group.append(more);
  }

  /** Puts the group's "earlier…" item at its start while its first entry is not the folder's first. */
  function setEarlier(group, dir, level) {
    group.querySelector(':scope > li.earlier')?.remove();
    if (group.first === 0) return;
    const earlier = control('earlier', group.first, level, `earlier… (to ${group.first})`, () =>
      fillBefore(group, dir, level),
    );
    group.prepend(earlier);
  }

  /** Appends the page of `dir` from `offset`; past {@link WINDOW} entries, the first ones give way. */
  async function fill(group, dir, offset, level) {
    if (offset === 0) group.first = 0;
    const page = await loadPage(group, dir, offset, PAGE, group.querySelector(':scope > li.more'));
    if (page === null) return;
    if (page.entries.length === 0 && offset === 0)
      group.append(h('li', { role: 'none', class: 'muted empty' }, '(empty)'));
    for (const entry of page.entries) group.append(item(entry, level));
    setMore(group, dir, level, page.next);
    const shown = entryItems(group);
    if (shown.length > WINDOW) {
      for (const el of shown.slice(0, shown.length - WINDOW)) el.remove();
      group.first += shown.length - WINDOW;
      setEarlier(group, dir, level);
    }
  }

  /** Prepends the page before the group's first entry; past {@link WINDOW} entries, the last ones give way. */
  async function fillBefore(group, dir, level) {
    const earlier = group.querySelector(':scope > li.earlier');
    const from = Math.max(0, group.first - PAGE);
    const page = await loadPage(group, dir, from, group.first - from, earlier);
    if (page === null) return;
    const firstShown = entryItems(group)[0] ?? null;
    for (const entry of page.entries) group.insertBefore(item(entry, level), firstShown);
    group.first = from;
    setEarlier(group, dir, level);
    const shown = entryItems(group);
    if (shown.length > WINDOW) {
      for (const el of shown.slice(WINDOW)) el.remove();
      setMore(group, dir, level, group.first + WINDOW);
    }
    focus(firstShown?.previousElementSibling ?? firstShown);
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
