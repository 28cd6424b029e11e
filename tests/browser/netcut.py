"""A TCP forwarder between the browser and the app that can cut the network for real.

Playwright's offline mode has not always covered requests a service worker makes (microsoft/
playwright#2311), so an offline test that trusted it alone could pass while the page still
talked to the server. The browser reaches the app only through this forwarder; `cut()` closes
every open connection and refuses new ones (counting the attempts), so while it is cut nothing
can reach the server, whatever the browser does.
"""
import socket
import threading


class NetCut:
    def __init__(self, target_port: int, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.listener = socket.create_server((host, 0))
        self.port = self.listener.getsockname()[1]
        self.is_cut = False
        self.refused = 0  # connections the browser tried while cut (closed unanswered)
        self.forwarded = 0  # connections passed on to the app, ever
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self) -> str:
        return f"http://{self.target[0]}:{self.port}"

    def cut(self) -> None:
        with self._lock:
            self.is_cut = True
            for s in list(self._open):
                self._close(s)

    def restore(self) -> None:
        with self._lock:
            self.is_cut = False

    def close(self) -> None:
        self.cut()
        self.listener.close()

    def _close(self, s: socket.socket) -> None:
        self._open.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = None if self.is_cut else socket.create_connection(self.target, 5)
            except OSError:
                upstream = None
            with self._lock:
                if self.is_cut or upstream is None:
                    self.refused += self.is_cut
                    client.close()
                    if upstream is not None:
                        upstream.close()
                    continue
                upstream.settimeout(None)
                self.forwarded += 1
                self._open.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if self.is_cut:
                    break
                dst.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._close(src)
            self._close(dst)
