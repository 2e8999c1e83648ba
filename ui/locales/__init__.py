"""The page's translations: ``zh-CN.json`` (the browser's) and ``zh_cn`` (the server's)."""
