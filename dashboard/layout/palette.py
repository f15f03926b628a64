"""Colours readable by colour-blind people (Okabe-Ito) and dark enough for text contrast.

Colour never carries information alone: every coloured mark also has a symbol, a dash style or a
word (▲/▼, ✔/✖, ○/×/★), so these are a second channel, not the only one.
"""

from __future__ import annotations

#: Okabe & Ito (2008), "Color Universal Design".
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#595959"  # 7:1 on white: axis text and neutral bars

#: Raising the risk / lowering it (with ▲ / ▼ beside each value).
RISK_UP = VERMILLION
RISK_DOWN = BLUE
#: Populations in the comparison charts (each also has its own dash style and marker).
POPULATION = {
    "all": GREY,
    "repaid": BLUE,
    "defaulted": VERMILLION,
    "similar": REDDISH_PURPLE,
}
#: Sequential scale for probabilities: viridis-like and colour-blind safe.
PROBABILITY_SCALE = "Cividis"
#: Plotly's number separators ("decimal" then "thousands") per language.
SEPARATORS = {"fr": ", ", "en": ".,"}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
