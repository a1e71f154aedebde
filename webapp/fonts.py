"""The one Chinese font of the app (Debian's fonts-wqy-microhei, installed by `make fonts` and .ci/run): the
photo watermark draws with it and every PDF embeds it."""
from __future__ import annotations

CJK_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
