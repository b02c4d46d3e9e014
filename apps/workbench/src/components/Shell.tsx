import { GlobalOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown, Layout, Menu, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../auth';
import { setLanguage } from '../i18n';
import { menuFor } from '../routes-registry';
import { CriticalBanner } from './CriticalBanner';

/**
 * The frame around every page: the person's menu on the left (by role), the header with who is
 * signed in, the language switch and sign-out, and the critical-value banner that a clinic
 * cannot miss.
 */
export function Shell() {
  const { t, i18n } = useTranslation();
  const { me, signOut } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);
  const menu = menuFor(me);
  const selected = menu
    .filter((route) => location.pathname.startsWith(route.path))
    .sort((a, b) => b.path.length - a.path.length)[0]?.path;
  const org = i18n.language === 'en' ? (me?.orgNameEn ?? me?.org) : (me?.orgName ?? me?.org);
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider collapsible collapsed={collapsed} onCollapse={setCollapsed} width={208}>
        <div style={{ color: '#fff', padding: '16px 20px', fontWeight: 600, whiteSpace: 'nowrap' }}>
          {collapsed ? '诊' : t('appName')}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={selected ? [selected] : []}
          items={menu.map((route) => ({
            key: route.path,
            icon: route.menu?.icon,
            label: t(route.menu?.label ?? ''),
            onClick: () => void navigate(route.path),
          }))}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            padding: '0 16px',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
            borderBottom: '1px solid #f0f0f0',
          }}
        >
          <Typography.Text strong>{t('appNameFull')}</Typography.Text>
          <Space size="middle">
            <Button
              type="text"
              icon={<GlobalOutlined />}
              data-testid="language-switch"
              onClick={() => setLanguage(i18n.language === 'en' ? 'zh' : 'en')}
            >
              {t('switchLanguage')}
            </Button>
            <Dropdown
              menu={{
                items: [
                  {
                    key: 'sign-out',
                    icon: <LogoutOutlined />,
                    label: t('signOut'),
                    onClick: () => {
                      signOut();
                      void navigate('/login');
                    },
                  },
                ],
              }}
            >
              <Button type="text" icon={<UserOutlined />} data-testid="user-menu">
                {me?.name} · {org} · {me?.roles.map((role) => t(`roles.${role}`)).join(' / ')}
              </Button>
            </Dropdown>
          </Space>
        </Layout.Header>
        <CriticalBanner />
        <Layout.Content style={{ padding: 16 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
