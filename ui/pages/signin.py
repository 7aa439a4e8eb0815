"""Sign in (the start page before anyone has signed in); see :mod:`ui.sign_in`."""

from ui.sign_in import sign_in_form

sign_in_form()
