"""The draw algorithm ``cnmaker-draw-v1`` told to a reader (the draw tab, the session report).

``finals.draw``'s docstring is for developers; these steps say the same thing in plain language,
in the reader's language (Simplified Chinese by default, English in the .po). They must stay
exactly true to ``finals.draw.draw`` and ``finals.draw.verify``: change both together.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ALGORITHM_STEPS = (
    _(
        "项目清单：取本场全部参与抽签项目的报名编号，去掉首尾空白，按字符顺序从小到大排序，"
        "每个编号一行（以换行符连接）。"
    ),
    _("现场数值：抽签前在现场当众读出的数值（例如在公证员面前从抽签箱中抽出的号码），去掉首尾空白。"),
    _(
        "种子：把“cnmaker-draw-v1”、换行符、现场数值、换行符、项目清单依次连成一段文字，"
        "按 UTF-8 编码计算 SHA-256，得到的 32 字节就是种子（以十六进制公布）。"
    ),
    _(
        "随机数：依次对“种子 + 计数器”计算 SHA-256，计数器从 0 开始每次加 1，写成 8 字节大端整数；"
        "每个结果切成 4 段、每段 8 字节，每段读作一个无符号大端整数，依次使用。"
    ),
    _(
        "洗牌（Fisher–Yates）：清单共 n 个编号，位置从 0 数起。对 i = n−1、n−2……直到 1："
        "依次取下一个随机数 u，若 u 不小于 2⁶⁴ − (2⁶⁴ mod (i+1)) 就舍弃、再取下一个"
        "（拒绝采样，使每个位置被选中的机会完全相等）；然后把第 i 位与第 (u mod (i+1)) 位的编号互换。"
    ),
    _("出场顺序：洗牌后的清单就是出场顺序，排在最前的编号第一个出场。"),
    _(
        "复核：平台记录现场数值、种子和出场顺序。任何人用现场数值和项目编号清单按以上步骤都能算出"
        "同一个种子和同一个顺序；平台的 manage.py verify_draw 命令按同样步骤重新计算每一次抽签，"
        "并与记录及各项目的出场序号逐一核对。"
    ),
)
