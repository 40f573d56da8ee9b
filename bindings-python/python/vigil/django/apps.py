from __future__ import annotations

from django.apps import AppConfig


class VigilConfig(AppConfig):
    name = "vigil.django"
    label = "vigil"
    verbose_name = "Vigil"

    def ready(self) -> None:
        import vigil

        from . import conf, signals

        start_options = {k: v for k, v in conf.options().items() if k not in conf.DJANGO_KEYS}
        if start_options:
            vigil.start(**start_options)
        signals.connect()
