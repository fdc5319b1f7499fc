"""A small UNO client that keeps ONE headless LibreOffice alive for a run of recalculations.

Run by the Python that has LibreOffice's ``uno`` module (Debian's ``/usr/bin/python3`` with the
``python3-uno`` package), never imported by hnb_xl (the project's own Python has no ``uno``):

    /usr/bin/python3 uno_client.py SOFFICE PROFILE_URL PIPE_NAME

It starts ``SOFFICE --headless --accept=pipe,name=PIPE_NAME;urp;`` with the private profile,
connects, prints one JSON line ``{"ready": true}``, then reads one JSON request a line from stdin,
``{"src": PATH, "out": PATH}``: loads ``src`` hidden with macros never run, ``calculateAll()``
(every formula, cached values ignored), stores ``out`` as xlsx ("Calc MS Excel 2007 XML"), closes
it and answers ``{"ok": true}`` or ``{"ok": false, "error": TEXT}``. At end of input it terminates
LibreOffice. The API used is LibreOffice's: XComponentLoader.loadComponentFromURL,
XCalculatable.calculateAll, XStorable.storeToURL
(https://api.libreoffice.org/docs/idl/ref/interfacecom_1_1sun_1_1star_1_1sheet_1_1XCalculatable.html).
"""

import json
import subprocess
import sys
import time


def prop(name, value):
    from com.sun.star.beans import PropertyValue   # LibreOffice's Python only (see above)
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(soffice, profile_url, pipe):
    import uno   # LibreOffice's Python only: importing this module elsewhere stays harmless
    office = subprocess.Popen([soffice, "-env:UserInstallation=" + profile_url, "--headless", "--invisible",
                               "--norestore", "--nolockcheck", "--nodefault",
                               "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    ctx, deadline = None, time.time() + 120
    while ctx is None:
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        except Exception:
            if office.poll() is not None or time.time() > deadline:
                print(json.dumps({"ready": False, "error": "LibreOffice did not start"}), flush=True)
                return 1
            time.sleep(0.1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    print(json.dumps({"ready": True}), flush=True)
    try:
        for line in sys.stdin:
            req = json.loads(line)
            doc = None
            try:
                doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(req["src"]), "_blank", 0,
                                                   (prop("Hidden", True), prop("MacroExecutionMode", 0),
                                                    prop("UpdateDocMode", 0)))
                doc.calculateAll()
                doc.storeToURL(uno.systemPathToFileUrl(req["out"]), (prop("FilterName", "Calc MS Excel 2007 XML"),))
                answer = {"ok": True}
            except Exception as exc:
                answer = {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
            finally:
                if doc is not None:
                    try:
                        doc.close(True)
                    except Exception:
                        pass
            print(json.dumps(answer), flush=True)
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
