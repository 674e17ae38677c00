/**
 * The demo directory's people: fictional civil servants of a fictional province, in the shape
 * of a Zimbra directory (development only).
 */
export const DEMO_BASE_DN = 'dc=tinh,dc=gov,dc=vn';
export const DEMO_MAIL_DOMAIN = 'tinh.gov.vn';
export const DEMO_SERVICE_DN = `cn=sso-service,ou=system,${DEMO_BASE_DN}`;

export interface DemoPerson {
  uid: string;
  cn: string;
  agency: string;
  title: string;
  status: 'active' | 'locked' | 'closed' | 'lockout';
  phone?: string;
  aliases?: string[];
  groups?: string[];
}

export const DEMO_PEOPLE: DemoPerson[] = [
  { uid: 'nguyen.thi.minh.khai', cn: 'Nguyễn Thị Minh Khai', agency: 'Sở Nội vụ', title: 'Giám đốc Sở', status: 'active', phone: '+84 912 000 001', aliases: ['khai.ntm'], groups: ['Lãnh đạo Sở'] },
  { uid: 'tran.van.binh', cn: 'Trần Văn Bình', agency: 'Sở Nội vụ', title: 'Chuyên viên', status: 'active', groups: ['Văn thư'] },
  { uid: 'le.thi.hoa', cn: 'Lê Thị Hoa', agency: 'Sở Tài chính', title: 'Phó Giám đốc Sở', status: 'active', phone: '+84 913 000 002', groups: ['Lãnh đạo Sở'] },
  { uid: 'pham.quoc.dung', cn: 'Phạm Quốc Dũng', agency: 'Sở Tài chính', title: 'Kế toán viên', status: 'active' },
  { uid: 'hoang.anh.tuan', cn: 'Hoàng Anh Tuấn', agency: 'UBND huyện Đông Sơn', title: 'Chủ tịch', status: 'active', groups: ['Lãnh đạo huyện'] },
  { uid: 'vu.thi.lan', cn: 'Vũ Thị Lan', agency: 'UBND huyện Đông Sơn', title: 'Văn thư', status: 'active', groups: ['Văn thư'] },
  { uid: 'dang.van.hung', cn: 'Đặng Văn Hùng', agency: 'UBND xã Đông Hòa', title: 'Công chức Tư pháp - Hộ tịch', status: 'active' },
  { uid: 'bui.thi.thu', cn: 'Bùi Thị Thu', agency: 'UBND xã Đông Hòa', title: 'Công chức Văn phòng - Thống kê', status: 'active' },
  { uid: 'do.minh.chau', cn: 'Đỗ Minh Châu', agency: 'Sở Nội vụ', title: 'Chuyên viên', status: 'closed' },
  { uid: 'ngo.van.tai', cn: 'Ngô Văn Tài', agency: 'Sở Tài chính', title: 'Chuyên viên', status: 'locked' },
  { uid: 'duong.thi.my', cn: 'Dương Thị Mỹ', agency: 'UBND huyện Đông Sơn', title: 'Chuyên viên', status: 'lockout' },
];
