// The tray, driven the way a desktop panel drives it: libayatana-appindicator exports a
// StatusNotifierItem whose menu is a com.canonical.dbusmenu object on the session bus. We find the
// app's bus connection by its pid, find the dbusmenu object, read its layout and send "clicked".
// Uses gdbus (Debian package libglib2.0-bin); the test and the app share one dbus-run-session.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** @param {string[]} args @returns {Promise<string>} */
async function gdbus(args) {
  const { stdout } = await run('gdbus', args, { timeout: 15_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** @returns {Promise<string[]>} unique names (":1.23") on the session bus */
async function uniqueNames() {
  const out = await gdbus([
    'call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
    '--method', 'org.freedesktop.DBus.ListNames',
  ]);
  return [...out.matchAll(/'(:[^']+)'/g)].map((m) => m[1]);
}

/** @param {string} name @returns {Promise<number|null>} */
async function pidOf(name) {
  try {
    const out = await gdbus([
      'call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
      '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', '--', name,
    ]);
    const m = out.match(/uint32 (\d+)/);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Object paths under `dest` that implement `iface` (gdbus introspect --recurse).
 * @param {string} dest @param {string} iface
 */
async function objectsWith(dest, iface) {
  const out = await gdbus(['introspect', '--session', '--dest', dest, '--object-path', '/', '--recurse']);
  /** @type {string[]} */
  const found = [];
  let current = '/';
  for (const line of out.split('\n')) {
    const node = line.match(/^\s*node (\S+) \{/);
    if (node) {
      current = node[1].startsWith('/') ? node[1] : `${current.replace(/\/$/, '')}/${node[1]}`;
      continue;
    }
    const i = line.match(/^\s*interface (\S+) \{/);
    if (i && i[1] === iface && !found.includes(current)) found.push(current);
  }
  return found;
}

/**
 * @typedef {{dest: string, path: string, sniPath: string|null}} TrayMenu
 * Finds the dbusmenu of the tray icon owned by process `pid`.
 * @param {number} pid
 * @returns {Promise<TrayMenu|null>}
 */
export async function findTrayMenu(pid) {
  for (const name of await uniqueNames()) {
    if ((await pidOf(name)) !== pid) continue;
    let menus;
    let items;
    try {
      menus = await objectsWith(name, 'com.canonical.dbusmenu');
      items = await objectsWith(name, 'org.kde.StatusNotifierItem');
    } catch {
      continue;
    }
    // Prefer the menu the StatusNotifierItem advertises in its Menu property.
    for (const sni of items) {
      try {
        const out = await gdbus([
          'call', '--session', '--dest', name, '--object-path', sni,
          '--method', 'org.freedesktop.DBus.Properties.Get', '--', 'org.kde.StatusNotifierItem', 'Menu',
        ]);
        const m = out.match(/objectpath '([^']+)'/);
        if (m && menus.includes(m[1])) return { dest: name, path: m[1], sniPath: sni };
      } catch {
        // fall through to any dbusmenu object
      }
    }
    if (menus.length) return { dest: name, path: menus[0], sniPath: items[0] ?? null };
  }
  return null;
}

/** @param {string} s GVariant string literal body */
function unescape(s) {
  return s.replace(/\\(.)/g, '$1');
}

/**
 * The menu's items, top level only: id, label (mnemonic underscores removed), enabled, type.
 * @param {TrayMenu} menu
 * @returns {Promise<{id: number, label: string, enabled: boolean, type: string, visible: boolean}[]>}
 */
export async function menuItems(menu) {
  try {
    await gdbus([
      'call', '--session', '--dest', menu.dest, '--object-path', menu.path,
      '--method', 'com.canonical.dbusmenu.AboutToShow', '--', '0',
    ]);
  } catch {
    // optional for most menus
  }
  const out = await gdbus([
    'call', '--session', '--dest', menu.dest, '--object-path', menu.path,
    '--method', 'com.canonical.dbusmenu.GetLayout', '--', '0', '-1', '@as []',
  ]);
  const items = [];
  for (const m of out.matchAll(/<\((\d+), \{([^}]*)\}/g)) {
    const props = m[2];
    const label = props.match(/'label': <(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")>/);
    const type = props.match(/'type': <'([^']*)'>/);
    items.push({
      id: Number(m[1]),
      label: label ? unescape(label[1] ?? label[2]).replace(/_(?=\S)/g, '') : '',
      enabled: !/'enabled': <false>/.test(props),
      visible: !/'visible': <false>/.test(props),
      type: type ? type[1] : 'standard',
    });
  }
  return items;
}

/**
 * Clicks the item whose label is `label`, as a panel does.
 * @param {TrayMenu} menu @param {string} label
 */
export async function clickItem(menu, label) {
  const items = await menuItems(menu);
  const item = items.find((i) => i.label === label);
  if (!item) throw new Error(`tray menu has no item "${label}"; it has ${JSON.stringify(items.map((i) => i.label))}`);
  await gdbus([
    'call', '--session', '--dest', menu.dest, '--object-path', menu.path,
    '--method', 'com.canonical.dbusmenu.Event', '--', String(item.id), "'clicked'", '<int32 0>', '0',
  ]);
  return item;
}
