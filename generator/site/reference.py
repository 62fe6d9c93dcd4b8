"""Reference pages of the site, generated from the code that defines them, so they never drift:
the workbook contract (workbook/contract.py), the command line (click's own definitions) and
the report format (validate/run.py's JSON keys)."""
from __future__ import annotations

import click

from generator.workbook import contract as K

TYPE_NOTE = {
    K.TEXT: "文字，原样保存", K.CODE: "编号：全角转半角、去掉空格",
             K.DATE: "Excel 日期，或 2025-03-05、2025/3/5、2025年3月5日",
    K.DATETIME: "日期加时间，只写日期表示 0 点", K.INT: "整数", K.NUMBER: "金额（元），可写 1,000,000",
    K.ENUM: "只能取列出的值", K.STAFF: "“人员”表中的工号", K.CUSTOMER: "“客户”表中的客户编号",
             K.EVENT: "“事件”表中的事件编号",
}


def _cell(text: str) -> str:
    return str(text).replace("|", "／").replace("\n", "；")


def workbook_page(contract: dict[str, K.Sheet]) -> str:
    lines = ["# 工作簿约定", "",
             "每个营业部（部门）一本 .xlsx 工作簿。下面的工作表名和表头是约定：`huifang` 按这些中文名字找表和列。"
             "列的顺序随意，可以有多余的列（原样保留），表头上方可以有标题行；表头前后的 `*`、“（必填）”、"
             "冒号和空格都可以。"
             "客户、人员、回访记录是必需的工作表，其他工作表没有内容时可以不要。", "",
             "`huifang init 台账.xlsx` 会写出含全部工作表、表头批注、下拉选项和日期格式的空白工作簿；"
             "也可以在[下载](../downloads.md)页获取。",
             "", "类型：", ""]
    lines += [f"- **{K.TYPE_LABEL[t]}**：{note}" for t, note in TYPE_NOTE.items()]
    lines += ["", "“是/否”列也接受 √、Y、N。", ""]
    for spec in contract.values():
        need = "必需" if spec.required else "可选"
        lines += [f"## {spec.name}", "", f"{spec.note or spec.name}（{need}的工作表"
                  + (f"；{spec.key}不能重复" if spec.key else "") + "）。", "",
                  "| 列 | 必填 | 类型 | 可选值 / 说明 |", "|---|---|---|---|"]
        for c in spec.columns:
            detail = " / ".join(c.enum) if c.type == K.ENUM else ""
            if c.note:
                detail = f"{detail}；{c.note}" if detail else c.note
            lines.append(f"| {c.name} | {'是' if c.required else ''} | {K.TYPE_LABEL[c.type]} | {_cell(detail)} |")
        lines.append("")
    lines += ["回访报告中的数字（共回访多少客户、电话和现场回访各多少、有效回复多少，"
              "按类型和结果的统计）都由“回访记录”计算，"
              "不需要填写。", ""]
    return "\n".join(lines)


def cli_page(group: click.Group) -> str:
    lines = ["# 命令行", "", "命令是 `huifang`（回访）。给人看的信息是中文，选项是英文。每个命令都接受文件和文件夹"
             "（文件夹表示其中的全部工作簿，跳过 Excel 的 `~$` 锁文件和 huifang 自己写出的文件夹）；"
             "不给路径时读取当前目录下的 `workbooks/`。", "",
             "退出码：**0** 没有“错误”级发现；**1** 至少一条“错误”级发现；**2** 文件无法读取或调用有误"
             "（标准错误输出一行中文说明，不会出现程序堆栈）。", ""]
    ctx = click.Context(group, info_name="huifang")
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        usage = " ".join(cmd.collect_usage_pieces(click.Context(cmd, info_name=name)))
        lines += [f"## huifang {name}", "", (cmd.help or "").strip().split("\n\n")[0], "",
                  f"    huifang {name} {usage}", ""]
        opts = [p for p in cmd.params if isinstance(p, click.Option)]
        if opts:
            lines += ["| 选项 | 说明 |", "|---|---|"]
            for p in opts:
                flags = " / ".join(f"`{o}`" for o in p.opts)
                meta = f" {p.metavar}" if p.metavar else ""
                lines.append(f"| {flags}{meta} | {_cell(p.help or '')} |")
            lines.append("")
    return "\n".join(lines)


def report_page() -> str:
    """The JSON report's page, from the key declarations the report is written from
    (validate/keys.py), with a sample made by the same code."""
    from generator.validate import keys
    lines = ["# 校验报告（JSON）", "",
             "`huifang validate --format json` 输出一个对象。下列键名是约定，只会增加、不会改名或删除；"
             "机器可读的说明见 [JSON Schema](report.schema.json)。"
             "每条发现、每项待办各占一行，便于用 `grep` 等工具逐行处理，也可以整体作为 JSON 读取。", ""]
    lines += ["| 键 | 类型 | 含义 |", "|---|---|---|"]
    lines += [f"| `{k.name}` | {_type(k)} | {_cell(k.doc)} |" for k in keys.REPORT]
    for title, name in (("`summary` 中的键", "summary"), ("`findings` 中每条发现的键", "findings"),
                        ("`pending` 中每项待办的键", "pending"), ("`skipped` 中每个跳过的文件的键", "skipped"),
                        ("`run` 中的键（本次运行的来历）", "run"), ("`run.inputs` 中每个输入文件的键", "inputs"),
                        ("`run.parameters` 中每个参数的键", "parameters"),
                        ("`run.calendar` 中每个年份的键", "calendar"),
                        ("`fixed` 中每条已改正的发现的键", "fixed")):
        fields = keys.OBJECTS.get(name) or keys.ITEMS[name]
        lines += ["", f"## {title}", "", "| 键 | 类型 | 含义 |", "|---|---|---|"]
        lines += [f"| `{k.name}` | {_type(k)} | {_cell(k.doc)} |" for k in fields]
    lines += ["", "缺少回访的发现指向触发它的单元格（客户表的触发列，或事件行）；"
                  "关于一条回访记录的发现指向它在“回访记录”表中的行。",
              "", "## 示例", "", "一条发现（由生成报告的同一段代码写出）：", "", "```json", _sample(), "```", ""]
    return "\n".join(lines)


def _sample() -> str:
    import json
    from datetime import date

    from generator.rules import RULES
    from generator.validate import keys
    from generator.validate.run import Finding
    f = Finding("NEW001", "error", "/台账/示例营业部.xlsx", "客户", 7, "开户日期", "C0005",
                "开户日期 2025-03-10 起一个月内未完成新开户回访（截止 2025-04-10）", "N7", date(2025, 4, 10), None,
                False, 81, RULES["NEW001"].source_text())
    return json.dumps(keys.obj(keys.FINDING, f), ensure_ascii=False, indent=2)


def _type(k) -> str:
    label = {"string": "文字", "integer": "整数", "boolean": "true / false", "object": "对象", "array": "列表"}[k.type]
    if k.format == "date":
        label = "日期 YYYY-MM-DD"
    elif k.format == "date-time":
        label = "日期时间 YYYY-MM-DD HH:MM"
    if k.enum:
        label += "：" + " / ".join(f"`{v}`" for v in k.enum)
    return label + ("，可为 null" if k.nullable else "")


def report_schema_text() -> str:
    import json

    from generator.validate.keys import report_schema
    return json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n"
