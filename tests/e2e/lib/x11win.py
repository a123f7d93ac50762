#!/usr/bin/python3
"""Top-level X11 windows, as a window manager would see them (bare Xvfb has none).

  x11win.py list                 JSON list of top-level windows: id, title, pid, viewable
  x11win.py close TITLE [PID]    send WM_DELETE_WINDOW to each mapped top-level window titled TITLE
                                 (of process PID when given); prints how many got it; exit 1 if none

Needs python3-xlib (Debian package python3-xlib), so run it with the system /usr/bin/python3.
"""
import json
import sys

from Xlib import X, Xatom, display, protocol, error


def title_of(d, w, atoms):
    for prop, kind in ((atoms["_NET_WM_NAME"], atoms["UTF8_STRING"]), (Xatom.WM_NAME, X.AnyPropertyType)):
        try:
            p = w.get_full_property(prop, kind)
        except error.XError:
            return None
        if p is not None and p.value is not None:
            v = p.value
            return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    return None


def pid_of(w, atoms):
    try:
        p = w.get_full_property(atoms["_NET_WM_PID"], X.AnyPropertyType)
    except error.XError:
        return None
    return int(p.value[0]) if p is not None and len(p.value) else None


def toplevels(d):
    atoms = {n: d.intern_atom(n) for n in ("_NET_WM_NAME", "UTF8_STRING", "_NET_WM_PID", "WM_PROTOCOLS", "WM_DELETE_WINDOW")}
    out = []
    for w in d.screen().root.query_tree().children:
        try:
            attrs = w.get_attributes()
            geo = w.get_geometry()
        except error.XError:
            continue
        if attrs.override_redirect:
            continue
        t = title_of(d, w, atoms)
        if t is None:
            continue
        try:
            protos = w.get_wm_protocols() or []
        except error.XError:
            protos = []
        out.append({
            "id": w.id,
            "title": t,
            "pid": pid_of(w, atoms),
            "viewable": attrs.map_state == X.IsViewable,
            "geometry": [geo.x, geo.y, geo.width, geo.height],
            "deletable": atoms["WM_DELETE_WINDOW"] in protos,
            "_w": w,
        })
    return out, atoms


def main(argv):
    d = display.Display()
    wins, atoms = toplevels(d)
    if len(argv) >= 2 and argv[1] == "list":
        print(json.dumps([{k: v for k, v in w.items() if k != "_w"} for w in wins]))
        return 0
    if len(argv) >= 3 and argv[1] == "close":
        title = argv[2]
        pid = int(argv[3]) if len(argv) > 3 else None
        sent = 0
        for w in wins:
            if w["title"] != title or not w["viewable"] or not w["deletable"]:
                continue
            if pid is not None and w["pid"] not in (None, pid):
                continue
            ev = protocol.event.ClientMessage(
                window=w["_w"],
                client_type=atoms["WM_PROTOCOLS"],
                data=(32, [atoms["WM_DELETE_WINDOW"], X.CurrentTime, 0, 0, 0]),
            )
            # event_mask 0: delivered to the client that created the window, as a WM does.
            w["_w"].send_event(ev, event_mask=0)
            sent += 1
        d.sync()
        print(sent)
        return 0 if sent else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
