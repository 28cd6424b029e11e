"""Reflex configuration: one app (portal + admin), settings from the environment."""
import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from domain.kernel import settings

_settings = settings.load()
redis_url = _settings.redis_url

config = rx.Config(
    app_name="lendbook",
    app_module_import="webapp.app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_url=redis_url,
    state_manager_mode="redis" if redis_url else "disk",
    frontend_port=_settings.port,
    backend_port=_settings.port,
    disable_plugins=[SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(
        theme=rx.theme(appearance="light", accent_color="indigo", radius="medium"))],
)
