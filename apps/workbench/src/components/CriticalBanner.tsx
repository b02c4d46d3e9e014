import { AlertOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api } from '../api';
import { hasRole, useAuth } from '../auth';

/** What the banner needs of an open alert. */
interface OpenAlert {
  id: string;
  finding: { display?: string; value?: number; unit?: string };
}

/** A short two-tone alarm, as long as an alert is open (the browser allows it after a click). */
function sound(): void {
  try {
    const audio = new AudioContext();
    [880, 660, 880].forEach((frequency, i) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.value = 0.2;
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + i * 0.25);
      tone.stop(audio.currentTime + i * 0.25 + 0.2);
    });
    setTimeout(() => void audio.close(), 1200);
  } catch {
    // No audio device: the banner is still there.
  }
}

/**
 * For a clinic: a red banner on every page while a critical value (危急值) of theirs waits for
 * acknowledgement, with an alarm every 30 seconds, until it is acknowledged with read-back.
 */
export function CriticalBanner() {
  const { me } = useAuth();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const clinic = hasRole(me, ['clinic-doctor']);
  const open = useQuery({
    queryKey: ['critical-values', 'open'],
    queryFn: () => api<{ alerts: OpenAlert[] }>('/api/critical-values?status=open'),
    enabled: clinic,
    refetchInterval: 15_000,
  });
  const count = open.data?.alerts.length ?? 0;
  useEffect(() => {
    if (!count) return;
    sound();
    const timer = setInterval(sound, 30_000);
    return () => clearInterval(timer);
  }, [count]);
  if (!clinic || !count) return null;
  return (
    <Alert
      banner
      className="no-print"
      type="error"
      icon={<AlertOutlined />}
      data-testid="critical-banner"
      style={{ fontSize: 16, fontWeight: 600 }}
      message={t('critical.banner', { count })}
      action={
        <Button danger type="primary" onClick={() => void navigate('/critical')}>
          {t('critical.open')}
        </Button>
      }
    />
  );
}
