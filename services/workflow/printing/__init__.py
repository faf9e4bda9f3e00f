"""Printable PDF forms (Forms 01-06 and the stop notice) rendered from the same data the JSON forms expose,
with Vietnamese fonts embedded and a QR code of the public look-up page."""
