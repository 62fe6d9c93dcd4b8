#!/usr/bin/env bash
# CI: the fonts and PDF tools the document tests need, and the fontconfig rules that make
# LibreOffice draw 宋体/SimSun and zh-CN text with a Simplified Chinese face (Noto Serif CJK SC),
# never a Japanese one. The rules are those huifang ships (generator/resources/fonts.conf) and
# applies itself for `generate --pdf`; here they go to /etc/fonts/conf.d for every program.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)        # pdftotext, pdffonts, pdftoppm
command -v fc-match >/dev/null 2>&1 || need+=(fontconfig)
fc-list 2>/dev/null | grep -qi "Noto Serif CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# the shipped file without its <include> of the system configuration (conf.d is part of it)
rule=/etc/fonts/conf.d/35-huifang-sc.conf
sed '/<include /d' generator/resources/fonts.conf > "$rule.tmp"
mv "$rule.tmp" "$rule"
fc-cache -f >/dev/null 2>&1 || true

got=$(fc-match -f '%{family[0]}' SimSun)
if [ "$got" != "Noto Serif CJK SC" ]; then
  echo "CI: fontconfig maps SimSun to '$got', not Noto Serif CJK SC" >&2
  exit 1
fi
