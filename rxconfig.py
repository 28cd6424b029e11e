"""Reflex configuration: one app (portal + admin), settings from the environment."""
import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

redis_url = os.environ.get("REDIS_URL") or None

config = rx.Config(
    app_name="lendbook",
    app_module_import="webapp.app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_url=redis_url,
    state_manager_mode="redis" if redis_url else "disk",
    frontend_port=int(os.environ.get("LENDBOOK_PORT", "3000")),
    backend_port=int(os.environ.get("LENDBOOK_PORT", "3000")),
    disable_plugins=[SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(
        theme=rx.theme(appearance="light", accent_color="indigo", radius="medium"))],
)
