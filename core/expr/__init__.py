"""The app's formula language: one small expression tree, parsed from text by the app's
own parser (never run), and rendered as Python code, numbers and words for people."""
