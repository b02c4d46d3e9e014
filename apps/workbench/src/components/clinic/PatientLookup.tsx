import { SearchOutlined, UserAddOutlined, UserSwitchOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Form, Input, Radio, Space } from 'antd';
import type { Patient } from 'fhir/r4';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api';
import { maskResidentId } from '../format';
import {
  RESIDENT_ID_SYSTEM,
  ageOf,
  looksLikeResidentId,
  normalizeResidentId,
  patientName,
  patientPhone,
  residentIdOf,
  searchFhir,
} from './fhir';

/** A patient's particulars, identity number masked. */
export function PatientSummary({ patient, extra }: { patient: Patient; extra?: ReactNode }) {
  const { t } = useTranslation('clinic');
  const age = ageOf(patient.birthDate);
  return (
    <Descriptions
      size="small"
      column={{ xs: 1, md: 3, xl: 5 }}
      data-testid="patient-summary"
      extra={extra}
      items={[
        {
          key: 'name',
          label: t('patient.name'),
          children: <strong>{patientName(patient) || t('patient.unnamed')}</strong>,
        },
        {
          key: 'sex',
          label: t('patient.sex'),
          children: patient.gender ? t(`sex.${patient.gender}`) : '',
        },
        {
          key: 'birth',
          label: t('patient.birthDate'),
          children: patient.birthDate
            ? `${patient.birthDate}${age === undefined ? '' : ` (${t('patient.age', { count: age })})`}`
            : '',
        },
        {
          key: 'id',
          label: t('patient.residentId'),
          children: maskResidentId(residentIdOf(patient)),
        },
        { key: 'phone', label: t('patient.phone'), children: patientPhone(patient) ?? '' },
      ]}
    />
  );
}

/** The hub's refusal, in its words. */
function ErrorAlert({ title, message }: { title: string; message: string }) {
  return (
    <Alert type="error" showIcon data-testid="patient-error" title={title} description={message} />
  );
}

interface Registration {
  name: string;
  gender: 'male' | 'female';
  birthDate: string;
  phone?: string;
}

/**
 * Finds the clinic's patient by 居民身份证号 or registers them. The hub checks the number (area,
 * birth date, check character) and that it agrees with the stated birth date and sex; its refusal
 * is shown as it words it.
 */
export function PatientLookup({
  patient,
  onChange,
}: {
  patient: Patient | undefined;
  onChange: (patient: Patient | undefined) => void;
}) {
  const { t } = useTranslation('clinic');
  const [searched, setSearched] = useState<string>();
  const [notFound, setNotFound] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{
    step: 'lookup' | 'registration';
    title: string;
    message: string;
  }>();
  const [registration] = Form.useForm<Registration>();

  const lookup = async ({ residentId }: { residentId: string }) => {
    const value = normalizeResidentId(residentId);
    setBusy(true);
    setError(undefined);
    setNotFound(false);
    try {
      const { items } = await searchFhir<Patient>('Patient', {
        identifier: `${RESIDENT_ID_SYSTEM}|${value}`,
      });
      setSearched(value);
      if (items[0]) onChange(items[0]);
      else setNotFound(true);
    } catch (e) {
      setError({
        step: 'lookup',
        title: t('patient.lookupFailed'),
        message: e instanceof Error ? e.message : String(e),
      });
    } finally {
      setBusy(false);
    }
  };

  const register = async (values: Registration) => {
    if (!searched) return;
    setBusy(true);
    setError(undefined);
    try {
      const created = await api<Patient>('/fhir/Patient', {
        type: 'application/fhir+json',
        body: {
          resourceType: 'Patient',
          identifier: [{ system: RESIDENT_ID_SYSTEM, value: searched }],
          name: [{ text: values.name.trim() }],
          gender: values.gender,
          birthDate: values.birthDate,
          ...(values.phone?.trim()
            ? { telecom: [{ system: 'phone', value: values.phone.trim(), use: 'mobile' }] }
            : {}),
        } satisfies Patient,
      });
      setNotFound(false);
      registration.resetFields();
      onChange(created);
    } catch (e) {
      setError({
        step: 'registration',
        title: t('patient.refused'),
        message: e instanceof ApiError || e instanceof Error ? e.message : String(e),
      });
    } finally {
      setBusy(false);
    }
  };

  if (patient)
    return (
      <PatientSummary
        patient={patient}
        extra={
          <Button
            icon={<UserSwitchOutlined />}
            onClick={() => {
              onChange(undefined);
              setSearched(undefined);
              setNotFound(false);
            }}
          >
            {t('patient.change')}
          </Button>
        }
      />
    );

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Form<{ residentId: string }>
        name="lookup"
        layout="inline"
        onFinish={(values) => void lookup(values)}
        requiredMark={false}
      >
        <Form.Item
          name="residentId"
          label={t('patient.residentId')}
          rules={[
            {
              validator: (_rule, value: string | undefined) =>
                value && looksLikeResidentId(value)
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('patient.residentIdFormat'))),
            },
          ]}
        >
          <Input
            data-testid="resident-id"
            placeholder={t('patient.residentIdPlaceholder')}
            maxLength={18}
            style={{ width: 240, fontFamily: 'monospace' }}
            autoComplete="off"
            onChange={() => {
              setNotFound(false);
              setError(undefined);
            }}
          />
        </Form.Item>
        <Form.Item>
          <Button
            type="primary"
            htmlType="submit"
            icon={<SearchOutlined />}
            loading={busy && !notFound}
            data-testid="patient-lookup"
          >
            {t('patient.lookup')}
          </Button>
        </Form.Item>
      </Form>
      {error?.step === 'lookup' && <ErrorAlert {...error} />}
      {notFound && searched && (
        <>
          <Alert type="info" showIcon title={t('patient.notFound')} />
          <Form<Registration>
            form={registration}
            name="registration"
            layout="vertical"
            onFinish={(values) => void register(values)}
            style={{ maxWidth: 720 }}
            data-testid="patient-registration"
          >
            <Space wrap align="start" size="middle">
              <Form.Item
                name="name"
                label={t('patient.name')}
                rules={[{ required: true, whitespace: true, message: t('patient.nameRequired') }]}
              >
                <Input style={{ width: 160 }} maxLength={40} />
              </Form.Item>
              <Form.Item
                name="gender"
                label={t('patient.sex')}
                rules={[{ required: true, message: t('patient.sexRequired') }]}
              >
                <Radio.Group
                  optionType="button"
                  buttonStyle="solid"
                  options={[
                    { value: 'male', label: t('sex.male') },
                    { value: 'female', label: t('sex.female') },
                  ]}
                />
              </Form.Item>
              <Form.Item
                name="birthDate"
                label={t('patient.birthDate')}
                rules={[{ required: true, message: t('patient.birthDateRequired') }]}
              >
                <Input type="date" style={{ width: 170 }} />
              </Form.Item>
              <Form.Item
                name="phone"
                label={t('patient.phone')}
                rules={[{ pattern: /^[\d\s+-]{5,20}$/, message: t('patient.phoneFormat') }]}
              >
                <Input style={{ width: 170 }} maxLength={20} />
              </Form.Item>
            </Space>
            {error?.step === 'registration' && (
              <div style={{ marginBottom: 16 }}>
                <ErrorAlert {...error} />
              </div>
            )}
            <Button
              type="primary"
              htmlType="submit"
              icon={<UserAddOutlined />}
              loading={busy}
              data-testid="patient-register"
            >
              {t('patient.register')}
            </Button>
          </Form>
        </>
      )}
    </Space>
  );
}
