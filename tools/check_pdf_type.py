#!/usr/bin/env python3
"""Checks that every page of a PDF prints its text at arm's length: the smallest type on each
page at least MIN_PT points (default 9).

    tools/check_pdf_type.py REPORT.pdf [MIN_PT]

Reads the words' boxes from `pdftotext -bbox` (poppler-utils): a word's box is as tall as its
font's size (ascent to descent), so the box height of the smallest word on a page is its type
size. Prints the smallest size per page and exits 1 when a page is below the minimum.
"""
import re
import subprocess
import sys


def page_sizes(pdf):
    html = subprocess.run(["pdftotext", "-bbox", pdf, "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = []
    for page in re.split(r"<page ", html)[1:]:
        heights = [float(y1) - float(y0) for y0, y1 in
                   re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page)]
        pages.append(min(heights) if heights else None)
    return pages


def main():
    pdf = sys.argv[1]
    least = float(sys.argv[2]) if len(sys.argv) > 2 else 9.0
    sizes = page_sizes(pdf)
    small = []
    for i, size in enumerate(sizes, 1):
        if size is not None and size < least - 0.05:
            small.append(f"page {i}: {size:.1f} pt")
    sizes = [s for s in sizes if s is not None]
    print(f"{pdf}: {len(sizes)} pages with text, smallest type {min(sizes):.1f} pt")
    if small:
        print(f"{pdf}: type below {least} pt on " + ", ".join(small))
        sys.exit(1)


if __name__ == "__main__":
    main()
