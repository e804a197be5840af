"""The messages the API answers with, in Bahasa Indonesia and English (`id.po`, `en.po`)."""
