"""Notices about the run itself rather than about a cell: the provisional calendar."""
from __future__ import annotations

from generator.rules.context import Context, Hit
from generator.rules.registry import WARNING, S, rule


@rule("CAL001", WARNING, "截止日按暂定日历计算",
      explain="工作日历包尚未收录某一年的国务院放假安排时，该年的工作日按暂定日历计算："
              "周末加《全国年节及纪念日放假办法》"
              "规定的法定节假日（春节、清明、端午、中秋等农历节日按农历推算），不含调休上班日。"
              "用到暂定日历的截止日在说明中注明"
              "“暂定”，JSON 报告中 provisional 为 true；每个用到的年份在报告中提示一次。",
      fix="国务院公布该年放假安排后，升级 chinese-calendar（pip install -U chinese-calendar），或在 huifang.toml 中"
          "完整列出该年的放假日和调休上班日：[calendar.YEAR] holidays = [...]，workdays = [...]。",
      group="notice",
      sources=[S("HOL", "第二条、第三条（法定节假日）"), S("CO", "国务院办公厅每年公布的部分节假日安排")],
      after=("*",))
def cal001(ctx: Context, s):
    for year in sorted(ctx.provisional_years):
        yield Hit(None, None, None,
                  f"{year} 年的放假安排尚未收录，涉及该年的工作日截止日按暂定日历计算（周末和法定节假日，不含调休）；"
                  f"公布后请升级 chinese-calendar，或在 huifang.toml 的 [calendar.{year}] 中列出 holidays 和 workdays")
