import { SendOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Form,
  Input,
  Radio,
  Result,
  Select,
  Space,
  Tag,
  Typography,
} from 'antd';
import type { Patient, ServiceRequest, Specimen } from 'fhir/r4';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { api } from '../../api';
import { useAuth } from '../../auth';
import { formatMinutes } from '../../components/format';
import {
  type CatalogueEntry,
  entryKey,
  entryName,
  useCatalogue,
} from '../../components/clinic/catalogue';
import {
  IDENTIFIER_TYPE_SYSTEM,
  OVERRIDE_EXTENSION,
  OVERRIDE_REASON_SYSTEM,
  Priorities,
  type Priority,
  RESIDENT_ID_SYSTEM,
  REUSE_EXTENSION,
  identifierOfType,
  newPlacerNumber,
  residentIdOf,
} from '../../components/clinic/fhir';
import { PatientLookup } from '../../components/clinic/PatientLookup';
import {
  type RecognitionFields,
  RecognitionPanel,
  useRecognitionCheck,
} from '../../components/clinic/RecognitionPanel';

interface OrderFields extends RecognitionFields {
  item?: string;
  priority: Priority;
  note?: string;
}

/** What intake answered, and the specimen to label for a lab order. */
interface Placed {
  order: ServiceRequest;
  specimen?: Specimen;
}

const CENTRE_ORDER = ['lab', 'ecg', 'imaging', 'pathology'] as const;

/** One catalogue item as an option: name, code, centre, price and recognition window. */
function ItemLabel({ entry }: { entry: CatalogueEntry }) {
  const { t, i18n } = useTranslation('clinic');
  return (
    <Space size={4} wrap={false}>
      <span>{entryName(entry, i18n.language)}</span>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {entry.code} · {t('item.priceValue', { price: entry.price })}
      </Typography.Text>
      {entry.recognition?.recognized ? (
        <Tag color="green" style={{ marginInlineEnd: 0 }}>
          {t('item.recognized', { days: entry.recognition.validityDays })}
        </Tag>
      ) : null}
    </Space>
  );
}

/**
 * Placing an order for a clinic without its own HIS: the patient by 居民身份证号 (registered when
 * new), the catalogue item and priority, then — before anything is sent — the recognition check
 * (检查检验结果互认) with the doctor's decision to reuse a prior result or order anyway with a
 * reason. The order is a FHIR ServiceRequest with the clinic's own placer number, so a repeated
 * click places it once.
 */
export function PlaceOrderPage() {
  const { t, i18n } = useTranslation('clinic');
  const common = useTranslation().t;
  const { me } = useAuth();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [params] = useSearchParams();
  const [form] = Form.useForm<OrderFields>();
  const [patient, setPatient] = useState<Patient>();
  const [placer, setPlacer] = useState(newPlacerNumber);
  const [placed, setPlaced] = useState<Placed>();
  const catalogue = useCatalogue();
  const itemKey = Form.useWatch('item', form);
  const decision = Form.useWatch('decision', form);
  const item = catalogue.data?.find((entry) => entryKey(entry) === itemKey);
  const residentId = residentIdOf(patient);
  const check = useRecognitionCheck(residentId, item);
  const priors = check.data?.priors ?? [];

  // Coming from a patient's page: that patient, already chosen.
  const preset = params.get('patient') ?? undefined;
  const [presetTaken, setPresetTaken] = useState(false);
  const presetPatient = useQuery({
    queryKey: ['clinic', 'patient', preset],
    queryFn: () => api<Patient>(`/fhir/Patient/${preset}`),
    enabled: Boolean(preset) && !presetTaken,
  });
  if (!presetTaken && presetPatient.data) {
    setPresetTaken(true);
    setPatient(presetPatient.data);
  }

  const options = useMemo(
    () =>
      CENTRE_ORDER.map((centre) => ({
        label: t(`centre.${centre}`),
        title: t(`centre.${centre}`),
        options: (catalogue.data ?? [])
          .filter((entry) => entry.centre === centre)
          .map((entry) => ({
            value: entryKey(entry),
            label: <ItemLabel entry={entry} />,
            search: `${entry.displayZh} ${entry.display} ${entry.code}`.toLowerCase(),
          })),
      })).filter((group) => group.options.length > 0),
    [catalogue.data, t],
  );

  const place = useMutation({
    mutationFn: async (values: OrderFields): Promise<Placed> => {
      if (!item || !residentId || !me) throw new Error(t('submit.needPatient'));
      const extension: ServiceRequest['extension'] =
        priors.length === 0
          ? undefined
          : values.decision === 'reuse'
            ? [
                {
                  url: REUSE_EXTENSION,
                  valueReference: { reference: `DiagnosticReport/${values.priorId}` },
                },
              ]
            : [
                {
                  url: OVERRIDE_EXTENSION,
                  valueCodeableConcept: {
                    coding: [
                      {
                        system: OVERRIDE_REASON_SYSTEM,
                        code: values.reason,
                        display: t(`overrideReason.${values.reason}`),
                      },
                    ],
                    ...(values.reasonText?.trim() ? { text: values.reasonText.trim() } : {}),
                  },
                },
              ];
      const request: ServiceRequest = {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        priority: values.priority,
        identifier: [
          {
            type: { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code: 'PLAC' }] },
            system: `urn:hub:placer:${me.org}`,
            value: placer,
          },
        ],
        code: {
          coding: [{ system: item.system, code: item.code, display: item.display }],
          text: `${item.displayZh} ${item.display}`,
        },
        subject: { identifier: { system: RESIDENT_ID_SYSTEM, value: residentId } },
        requester: {
          reference: `Organization/${me.org.toLowerCase()}`,
          identifier: { system: 'urn:hub:organization', value: me.org },
        },
        authoredOn: new Date().toISOString(),
        ...(values.note?.trim() ? { note: [{ text: values.note.trim() }] } : {}),
        ...(extension ? { extension } : {}),
      };
      const order = await api<ServiceRequest>('/fhir/ServiceRequest', {
        type: 'application/fhir+json',
        body: request,
      });
      const specimenRef = order.specimen?.[0]?.reference;
      const specimen =
        item.centre === 'lab' && specimenRef
          ? await api<Specimen>(`/fhir/${specimenRef}`).catch(() => undefined)
          : undefined;
      return { order, specimen };
    },
    onSuccess: (answer) => {
      setPlaced(answer);
      void queries.invalidateQueries({ queryKey: ['clinic', 'orders'] });
      void queries.invalidateQueries({ queryKey: ['clinic', 'reports'] });
    },
  });

  const another = () => {
    setPlaced(undefined);
    setPlacer(newPlacerNumber());
    place.reset();
    form.resetFields(['item', 'note', 'decision', 'priorId', 'reason', 'reasonText']);
  };

  if (placed) {
    const reused = placed.order.status === 'completed';
    const accession = placed.specimen?.accessionIdentifier?.value;
    return (
      <Card>
        <Result
          status="success"
          data-testid="order-placed"
          title={reused ? t('submit.reused') : t('submit.placed')}
          subTitle={
            <Space orientation="vertical" size={2}>
              <span>
                {t('submit.orderNumber', {
                  number: identifierOfType(placed.order.identifier, 'FILL') ?? placed.order.id,
                })}
              </span>
              {accession && (
                <Typography.Text strong data-testid="specimen-label">
                  {t('submit.specimen', {
                    accession,
                    type: placed.specimen?.type?.text ?? '',
                  })}
                </Typography.Text>
              )}
            </Space>
          }
          extra={[
            <Button
              key="view"
              type="primary"
              onClick={() => void navigate(`/clinic/orders/${placed.order.id}`)}
            >
              {t('submit.view')}
            </Button>,
            <Button key="another" onClick={another}>
              {t('submit.another')}
            </Button>,
          ]}
        />
      </Card>
    );
  }

  const ready = Boolean(patient && item);
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('newOrder.title')}
        </Typography.Title>
        <Typography.Text type="secondary">{t('newOrder.subtitle')}</Typography.Text>
      </div>
      <Card title={`1 · ${t('patient.section')}`} size="small">
        <PatientLookup
          patient={patient}
          onChange={(next) => {
            setPatient(next);
            form.resetFields(['decision', 'priorId', 'reason', 'reasonText']);
          }}
        />
      </Card>
      <Form<OrderFields>
        form={form}
        name="order"
        layout="vertical"
        initialValues={{ priority: 'routine' }}
        onFinish={(values) => place.mutate(values)}
        onValuesChange={(changed: Partial<OrderFields>) => {
          if ('item' in changed) form.resetFields(['decision', 'priorId', 'reason', 'reasonText']);
        }}
      >
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          <Card title={`2 · ${t('item.section')}`} size="small">
            <Space wrap align="start" size="large">
              <Form.Item
                name="item"
                label={t('item.item')}
                rules={[{ required: true, message: t('item.required') }]}
              >
                <Select
                  data-testid="catalogue-item"
                  style={{ width: 520 }}
                  placeholder={t('item.placeholder')}
                  loading={catalogue.isLoading}
                  options={options}
                  showSearch={{
                    filterOption: (input, option) =>
                      Boolean(
                        (option as { search?: string } | undefined)?.search?.includes(
                          input.trim().toLowerCase(),
                        ),
                      ),
                  }}
                />
              </Form.Item>
              <Form.Item name="priority" label={t('item.priority')}>
                <Radio.Group
                  optionType="button"
                  buttonStyle="solid"
                  options={Priorities.map((priority) => ({
                    value: priority,
                    label: t(`priority.${priority}`),
                  }))}
                />
              </Form.Item>
            </Space>
            {item && (
              <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
                {t('item.centre')}：
                {i18n.language === 'en' ? item.centreOrg?.nameEn : item.centreOrg?.name} ·{' '}
                {t('item.price')}：{t('item.priceValue', { price: item.price })}
                {item.specimenType &&
                  ` · ${t('item.specimen')}：${
                    (i18n.language === 'en'
                      ? item.specimenType.display
                      : item.specimenType.displayZh) ?? item.specimenType.code
                  }`}
                {` · ${t('item.turnaround')}：${formatMinutes(common, item.turnaroundMinutes.routine)}`}
                {' · '}
                {item.recognition?.recognized
                  ? t('item.recognized', { days: item.recognition.validityDays })
                  : t('item.notRecognized')}
              </Typography.Paragraph>
            )}
            <Form.Item name="note" label={t('item.note')} style={{ marginBottom: 0 }}>
              <Input.TextArea
                rows={2}
                maxLength={500}
                placeholder={t('item.notePlaceholder')}
                style={{ maxWidth: 760 }}
              />
            </Form.Item>
          </Card>
          <Card title={`3 · ${t('recognition.section')}`} size="small">
            <RecognitionPanel check={check} ready={ready} />
          </Card>
          {place.isError && (
            <Alert
              type="error"
              showIcon
              data-testid="order-error"
              title={t('submit.refused')}
              description={place.error.message}
            />
          )}
          <Button
            type="primary"
            size="large"
            htmlType="submit"
            icon={<SendOutlined />}
            disabled={!ready || check.isLoading}
            loading={place.isPending}
            data-testid="place-order"
          >
            {priors.length > 0 && decision === 'reuse' ? t('submit.reuse') : t('submit.place')}
          </Button>
        </Space>
      </Form>
    </Space>
  );
}
