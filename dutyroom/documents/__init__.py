"""Documents a duty room hands to leaders: 值班信息专报 (special report) and 值班日报 (daily duty report).

Content is built once as a neutral :class:`~dutyroom.documents.layout.OfficialDocument`; the Word and PDF
renderers only lay it out, so the two files always say the same thing.
"""
