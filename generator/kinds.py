"""What huifang writes, declared once: the report formats of `validate --format` and the
document kinds of `generate --kind`. The command line takes its choices and help from here,
`generate` and the templates key their work by these names, and the reference pages list them;
tests/test_kinds.py checks that every declared kind has its writer, its template and its jobs.

Data only (no imports), so the command line can build its options without loading a writer.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportFormat:
    key: str            # --format value
    title: str          # what it is, in Chinese
    suffix: str         # the usual file ending for --output


@dataclass(frozen=True)
class DocumentKind:
    key: str            # --kind value
    title: str          # the document's name (附件 name)
    template: str       # its template's file name in doc_templates/
    folder: str         # the folder of the output it is written to
    per: str            # what one document is about (for help and reasons)


FORMATS: dict[str, ReportFormat] = {f.key: f for f in (
    ReportFormat("text", "文本：先列条数，再按工作簿列出错误、警告（逾期最久的在前）", ".txt"),
    ReportFormat("json", "机器可读：每条发现一行，键的说明见站点“参考 → 校验报告”", ".json"),
)}

DOCUMENTS: dict[str, DocumentKind] = {d.key: d for d in (
    DocumentKind("plan", "客户回访计划", "附件二_客户回访计划.docx", "回访计划", "一个单位一个月"),
    DocumentKind("record", "客户回访记录表", "附件三_客户回访记录表.docx", "回访记录表", "一条回访记录"),
    DocumentKind("report", "客户回访报告", "附件四_客户回访报告.docx", "回访报告", "“回访报告”表的一行（一个报告期）"),
    DocumentKind("lost", "流失客户档案表", "流失客户档案表.docx", "流失客户档案表", "一位流失客户"),
)}
