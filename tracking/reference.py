"""Reference data seeded on first start: the Nghệ An center, its departments, the couriers and a
procedure catalogue.

Sources: DOMAIN.md "Nghệ An figures" (address, agency code per Decision 20/2020/QĐ-TTg);
department names after the 2025 reorganisation of provincial departments (Resolution
of the 15th National Assembly on the arrangement of provincial agencies, effective 1 March 2025).
Procedure names are real provincial-level procedures; the codes follow the national procedure
database's format (``1.xxxxxx`` / ``2.xxxxxx``) and the processing times are the published
typical ones: a center loads its own authoritative catalogue with
``python run.py import-procedures FILE.csv``.
"""

from __future__ import annotations

CENTER = {
    "agency_code": "000.00.00.H41",
    "name": "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
    "address": "16 Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
    "commune_name": "Phường Trường Vinh",
    "province_name": "Tỉnh Nghệ An",
    "lat": 18.6736,
    "lon": 105.6923,
    "phone": "0238 3 568 568",
    "timezone": "Asia/Ho_Chi_Minh",
    "session_hours": "07:30-11:30,13:30-17:00",
}

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("STP", "Sở Tư pháp"),
    ("STC", "Sở Tài chính"),
    ("SXD", "Sở Xây dựng"),
    ("SYT", "Sở Y tế"),
    ("SNV", "Sở Nội vụ"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SCT", "Sở Công Thương"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
)

# Couriers: Vietnam Post is the public postal enterprise of Decision 45/2016/QĐ-TTg.
# S10 ranges: the post allocates serials to a large sender per service indicator (DOMAIN.md);
# these defaults are placeholders for the ranges a real contract assigns (`courier range`).
COURIERS: tuple[dict[str, object], ...] = (
    {
        "code": "vnpost",
        "name": "Bưu điện Việt Nam (VNPost)",
        "adapter": "vnpost",
        "public_postal": True,
        "ranges": (("EC", 10_000_000, 19_999_999),),
    },
    {
        "code": "viettelpost",
        "name": "Viettel Post",
        "adapter": "viettelpost",
        "public_postal": False,
        "ranges": (("EP", 20_000_000, 29_999_999),),
    },
)

# (code, name, department, processing days, postal service allowed)
PROCEDURES: tuple[tuple[str, str, str, float, bool], ...] = (
    ("1.001612", "Đăng ký thành lập doanh nghiệp tư nhân", "STC", 3, True),
    ("2.001610", "Đăng ký thành lập công ty TNHH một thành viên", "STC", 3, True),
    ("2.001199", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "STC", 3, True),
    ("1.009645", "Cấp Giấy chứng nhận đăng ký đầu tư", "STC", 15, True),
    ("1.002767", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "STP", 10, True),
    ("1.001880", "Đăng ký hành nghề và cấp Thẻ công chứng viên", "STP", 10, True),
    ("1.002835", "Đổi Giấy phép lái xe do ngành Giao thông vận tải cấp", "SXD", 5, True),
    ("1.002804", "Cấp lại Giấy phép lái xe", "SXD", 10, True),
    ("1.001023", "Cấp phù hiệu xe ô tô kinh doanh vận tải", "SXD", 2, True),
    ("1.009972", "Cấp giấy phép xây dựng mới đối với công trình cấp I, cấp II", "SXD", 20, True),
    ("1.004598", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "SYT", 20, True),
    ("1.002952", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược", "SYT", 30, False),
    ("1.000105", "Cấp giấy phép lao động cho người lao động nước ngoài", "SNV", 5, True),
    ("1.001978", "Giải quyết hưởng trợ cấp thất nghiệp", "SNV", 20, True),
    ("1.005092", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "SGDDT", 0.5, True),
    ("1.005085", "Chỉnh sửa nội dung văn bằng, chứng chỉ", "SGDDT", 5, True),
    ("1.001029", "Cấp giấy phép đủ điều kiện kinh doanh dịch vụ karaoke", "SVHTTDL", 5, True),
    ("1.001440", "Cấp thẻ hướng dẫn viên du lịch nội địa", "SVHTTDL", 10, True),
    ("2.000591", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "SCT", 20, True),
    ("2.000636", "Cấp Giấy phép kinh doanh bán buôn sản phẩm rượu", "SCT", 15, True),
    (
        "1.004193",
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "SNNMT",
        10,
        True,
    ),
    ("1.004227", "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "SNNMT", 7, True),
    ("1.000988", "Cấp giấy phép khai thác, sử dụng nước mặt", "SNNMT", 30, False),
    ("1.003591", "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ", "SKHCN", 10, True),
)
