"""Django integration: add ``"vigil.django"`` to ``INSTALLED_APPS`` and
``"vigil.django.middleware.VigilMiddleware"`` to ``MIDDLEWARE`` after
``AuthenticationMiddleware``.

Automatic mode (on unless ``VIGIL = {"automatic": False}``): logins through
``django.contrib.auth`` are tracked from its ``user_logged_in`` / ``user_login_failed``
signals and authenticated requests are identified, with no code. Other keys of the ``VIGIL``
setting are passed to ``vigil.start``.
"""
