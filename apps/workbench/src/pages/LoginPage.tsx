import { GlobalOutlined, LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { ApiError, signIn } from '../api';
import { useAuth } from '../auth';
import { setLanguage } from '../i18n';

/** Sign-in with username and password; back to the page that asked for it afterwards. */
export function LoginPage() {
  const { t, i18n } = useTranslation();
  const { session } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (session) return <Navigate to={from} replace />;

  const submit = async (values: { username: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      await signIn(values.username.trim(), values.password);
      void navigate(from, { replace: true });
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? /locked/.test(e.message)
            ? t('signIn.locked')
            : t('signIn.failed')
          : t('error.network'),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: 'linear-gradient(135deg, #0b2447 0%, #19376d 100%)',
      }}
    >
      <Card style={{ width: 380 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('appNameFull')}
          </Typography.Title>
          <Button
            type="text"
            icon={<GlobalOutlined />}
            data-testid="language-switch"
            onClick={() => setLanguage(i18n.language === 'en' ? 'zh' : 'en')}
          >
            {t('switchLanguage')}
          </Button>
        </div>
        <Typography.Paragraph type="secondary">{t('signIn.title')}</Typography.Paragraph>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
        <Form<{ username: string; password: string }>
          layout="vertical"
          onFinish={(values) => void submit(values)}
          requiredMark={false}
        >
          <Form.Item
            name="username"
            label={t('signIn.username')}
            rules={[{ required: true, message: t('signIn.username') }]}
          >
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('signIn.password')}
            rules={[{ required: true, message: t('signIn.password') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('signIn.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
